package imageauto

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// Keys of docker-registry Secrets.
const (
	// KeyDockerConfigJSON is the key of a kubernetes.io/dockerconfigjson
	// Secret (`kubectl create secret docker-registry`).
	KeyDockerConfigJSON = ".dockerconfigjson"
	// KeyDockerConfig is the key of the older kubernetes.io/dockercfg Secret.
	KeyDockerConfig = ".dockercfg"
)

// ErrInvalidRegistryAuth means registry credentials cannot be read.
var ErrInvalidRegistryAuth = errors.New("invalid registry credentials")

// KeychainFromSecretData reads the registry credentials of a
// docker-registry Secret's data (.dockerconfigjson, or .dockercfg).
// Errors never quote the data.
func KeychainFromSecretData(data map[string][]byte) (authn.Keychain, error) {
	if d, ok := data[KeyDockerConfigJSON]; ok {
		return DockerConfigKeychain(d)
	}
	if d, ok := data[KeyDockerConfig]; ok {
		return DockerConfigKeychain(d)
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return nil, fmt.Errorf("%w: the Secret has no %s key (it has %s); create it with `kubectl create secret docker-registry`",
		ErrInvalidRegistryAuth, KeyDockerConfigJSON, strings.Join(keys, ", "))
}

// DockerConfigKeychain reads a docker config ({"auths": {"host": {...}}},
// or the older form without "auths"). Registries are matched by host[:port];
// keys may carry a scheme and a path (https://index.docker.io/v1/).
// Registries it does not list are accessed anonymously.
func DockerConfigKeychain(data []byte) (authn.Keychain, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("%w: not a docker config (JSON with an \"auths\" object): %v", ErrInvalidRegistryAuth, jsonProblem(err))
	}
	auths := data
	if raw, ok := top["auths"]; ok {
		auths = raw
	}
	// Without "auths", the document is the auths map (the older form).
	var entries map[string]authn.AuthConfig
	if err := json.Unmarshal(auths, &entries); err != nil {
		return nil, fmt.Errorf("%w: not a docker config (JSON with an \"auths\" object): %v", ErrInvalidRegistryAuth, jsonProblem(err))
	}
	k := dockerConfig{}
	for key, a := range entries {
		k[registryHost(key)] = a
	}
	return k, nil
}

// jsonProblem says what is wrong with JSON without quoting it (a syntax
// error's message holds only an offset; a type error names a field).
func jsonProblem(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("invalid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Errorf("field %s: expected %s", typ.Field, typ.Type)
	case strings.Contains(err.Error(), "decode auth field"):
		return errors.New("an auth field is not base64(username:password)")
	}
	return errors.New("unexpected content")
}

// registryHost reduces a docker config key to host[:port].
func registryHost(key string) string {
	h := strings.TrimSpace(key)
	if i := strings.Index(h, "://"); i >= 0 {
		h = h[i+3:]
	}
	if i := strings.IndexByte(h, '/'); i >= 0 {
		h = h[:i]
	}
	if h == "docker.io" || h == "registry-1.docker.io" {
		h = name.DefaultRegistry
	}
	return h
}

type dockerConfig map[string]authn.AuthConfig

// Resolve returns the credentials listed for the resource's registry.
func (d dockerConfig) Resolve(r authn.Resource) (authn.Authenticator, error) {
	a, ok := d[r.RegistryStr()]
	if !ok {
		return authn.Anonymous, nil
	}
	return authn.FromConfig(a), nil
}

// maskingKeychain remembers the secrets its authenticators hand out so
// that messages can mask them.
type maskingKeychain struct {
	inner authn.Keychain
	mu    sync.Mutex
	seen  map[string]bool
}

func newMaskingKeychain(inner authn.Keychain) *maskingKeychain {
	return &maskingKeychain{inner: inner, seen: map[string]bool{}}
}

// Resolve wraps the inner keychain's authenticator.
func (k *maskingKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	a, err := k.inner.Resolve(r)
	if err != nil || a == authn.Anonymous {
		return a, err
	}
	return &recordingAuth{inner: a, k: k}, nil
}

// secrets lists what was handed out, longest first.
func (k *maskingKeychain) secrets() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]string, 0, len(k.seen))
	for s := range k.seen {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// mask replaces every secret handed out in msg with ***.
func (k *maskingKeychain) mask(msg string) string {
	for _, s := range k.secrets() {
		msg = strings.ReplaceAll(msg, s, "***")
	}
	return msg
}

type recordingAuth struct {
	inner authn.Authenticator
	k     *maskingKeychain
}

// Authorization records the secret parts of the inner authorization.
func (a *recordingAuth) Authorization() (*authn.AuthConfig, error) {
	c, err := a.inner.Authorization()
	if c != nil {
		a.k.mu.Lock()
		for _, s := range []string{c.Password, c.Auth, c.IdentityToken, c.RegistryToken} {
			if len(s) >= 3 {
				a.k.seen[s] = true
			}
		}
		if c.Username != "" && c.Password != "" {
			a.k.seen[base64.StdEncoding.EncodeToString([]byte(c.Username+":"+c.Password))] = true
		}
		a.k.mu.Unlock()
	}
	return c, err
}

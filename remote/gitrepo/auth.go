package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Auth holds the credentials for one source. Print it freely: String hides
// every secret.
type Auth struct {
	// Username and Password are HTTP basic auth. A personal access token
	// (GitHub, GitLab, Gitea) goes into Password, with any Username. With
	// Identity, Password is the key's passphrase.
	Username string
	Password string
	// BearerToken is sent as `Authorization: Bearer <token>` over HTTP(S).
	BearerToken string
	// Identity is a PEM private key for SSH URLs.
	Identity []byte
	// KnownHosts is an OpenSSH known_hosts file; required with SSH URLs.
	KnownHosts []byte
	// CAFile is a PEM CA bundle trusted besides the system roots for HTTPS.
	CAFile []byte
}

// Secret data keys read by AuthFromSecretData (the keys Flux's GitRepository
// uses, so one Secret serves both).
const (
	KeyUsername    = "username"
	KeyPassword    = "password"
	KeyBearerToken = "bearerToken"
	KeyIdentity    = "identity"
	KeyKnownHosts  = "known_hosts"
	KeyCA          = "ca.crt"
	KeyCALegacy    = "caFile"
)

// ErrInvalidAuth means credentials are incomplete or malformed.
var ErrInvalidAuth = errors.New("invalid credentials")

// ErrHostKey means an SSH server's host key is not one known_hosts lists
// for it.
var ErrHostKey = errors.New("host key not trusted")

// AuthFromSecretData reads credentials from a Secret's data. Unknown keys
// are ignored.
func AuthFromSecretData(data map[string][]byte) (Auth, error) {
	a := Auth{
		Username:    string(data[KeyUsername]),
		Password:    string(data[KeyPassword]),
		BearerToken: string(data[KeyBearerToken]),
		Identity:    data[KeyIdentity],
		KnownHosts:  data[KeyKnownHosts],
		CAFile:      data[KeyCA],
	}
	if len(a.CAFile) == 0 {
		a.CAFile = data[KeyCALegacy]
	}
	if a.BearerToken != "" && (a.Username != "" || a.Password != "") && len(a.Identity) == 0 {
		return Auth{}, fmt.Errorf("%w: set either %s or %s/%s, not both", ErrInvalidAuth, KeyBearerToken, KeyUsername, KeyPassword)
	}
	return a, nil
}

// String describes which credentials are set, never their values.
func (a Auth) String() string {
	var set []string
	if a.Username != "" {
		set = append(set, "username="+a.Username)
	}
	for _, f := range []struct {
		name string
		set  bool
	}{
		{KeyPassword, a.Password != ""}, {KeyBearerToken, a.BearerToken != ""},
		{KeyIdentity, len(a.Identity) > 0}, {KeyKnownHosts, len(a.KnownHosts) > 0}, {KeyCA, len(a.CAFile) > 0},
	} {
		if f.set {
			set = append(set, f.name+"=<redacted>")
		}
	}
	return "Auth{" + strings.Join(set, ", ") + "}"
}

// GoString keeps %#v from printing secrets.
func (a Auth) GoString() string { return a.String() }

// secrets lists the values that must never appear in messages.
func (a Auth) secrets() []string {
	var s []string
	for _, v := range []string{a.Password, a.BearerToken} {
		if v != "" {
			s = append(s, v)
		}
	}
	return s
}

// method returns the go-git auth for endpoint ep, or nil for none.
func (a Auth) method(ep *transport.Endpoint) (transport.AuthMethod, error) {
	switch ep.Protocol {
	case "http", "https":
		if a.BearerToken != "" {
			return &githttp.TokenAuth{Token: a.BearerToken}, nil
		}
		if a.Username != "" || a.Password != "" {
			return &githttp.BasicAuth{Username: a.Username, Password: a.Password}, nil
		}
		return nil, nil
	case "ssh":
		return a.sshMethod(ep)
	}
	return nil, nil
}

func (a Auth) sshMethod(ep *transport.Endpoint) (transport.AuthMethod, error) {
	if len(a.Identity) == 0 {
		return nil, fmt.Errorf("%w: an ssh URL needs %s (a private key) in the secret", ErrInvalidAuth, KeyIdentity)
	}
	if len(a.KnownHosts) == 0 {
		return nil, fmt.Errorf("%w: an ssh URL needs %s in the secret (ssh-keyscan HOST prints it)", ErrInvalidAuth, KeyKnownHosts)
	}
	user := ep.User
	if user == "" {
		user = a.Username
	}
	if user == "" {
		user = "git"
	}
	keys, err := gitssh.NewPublicKeys(user, a.Identity, a.Password)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidAuth, KeyIdentity, err)
	}
	port := ep.Port
	if port <= 0 {
		port = gitssh.DefaultPort
	}
	cb, algos, err := knownHostsCallback(a.KnownHosts, net.JoinHostPort(ep.Host, strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	keys.HostKeyCallback = cb
	// Ask for the key types known_hosts has for the host: the server would
	// otherwise present the type the client prefers (ECDSA before Ed25519),
	// which fails against a known_hosts listing only another type.
	keys.HostKeyAlgorithms = algos
	return keys, nil
}

// knownHostsCallback parses known_hosts data and returns the callback that
// checks host keys against it and the host key algorithms it lists for
// hostWithPort. The parser reads files only, so the data goes through a
// temporary file read at once.
func knownHostsCallback(data []byte, hostWithPort string) (ssh.HostKeyCallback, []string, error) {
	f, err := os.CreateTemp("", "known_hosts-")
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", KeyKnownHosts, err)
	}
	defer os.Remove(f.Name())
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return nil, nil, fmt.Errorf("%s: %w", KeyKnownHosts, werr)
	}
	db, err := gitssh.NewKnownHostsDb(f.Name())
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %v", ErrInvalidAuth, KeyKnownHosts, err)
	}
	return checkHostKey(db.HostKeyCallback()), db.HostKeyAlgorithms(hostWithPort), nil
}

// checkHostKey wraps a known_hosts callback so that a refusal says what to
// do and is ErrHostKey. Messages name the key by its type and fingerprint
// only.
func checkHostKey(cb ssh.HostKeyCallback) ssh.HostKeyCallback {
	return func(host string, remote net.Addr, key ssh.PublicKey) error {
		err := cb(host, remote, key)
		if err == nil {
			return nil
		}
		offered := key.Type() + " " + ssh.FingerprintSHA256(key)
		var keyErr *knownhosts.KeyError
		var revoked *knownhosts.RevokedError
		switch {
		case errors.As(err, &keyErr) && len(keyErr.Want) > 0:
			return fmt.Errorf("%w: the host key of %s (%s) does not match %s; if the server's key changed, update %s (%s prints the current keys)",
				ErrHostKey, host, offered, KeyKnownHosts, KeyKnownHosts, keyscan(host))
		case errors.As(err, &keyErr):
			return fmt.Errorf("%w: the host key of %s (%s) is not in %s; add the host's keys to it (%s prints them)",
				ErrHostKey, host, offered, KeyKnownHosts, keyscan(host))
		case errors.As(err, &revoked):
			return fmt.Errorf("%w: the host key of %s (%s) is revoked in %s", ErrHostKey, host, offered, KeyKnownHosts)
		}
		return fmt.Errorf("%w: %s: %v", ErrHostKey, host, err)
	}
}

// keyscan is the ssh-keyscan command that prints the keys of host:port.
func keyscan(hostWithPort string) string {
	host, port, err := net.SplitHostPort(hostWithPort)
	if err != nil {
		return "ssh-keyscan " + hostWithPort
	}
	if port == strconv.Itoa(gitssh.DefaultPort) {
		return "ssh-keyscan " + host
	}
	return "ssh-keyscan -p " + port + " " + host
}

// CredentialsFunc returns the credentials in the Secret namespace/name
// (Flux's keys: username, password, bearerToken, identity, known_hosts,
// ca.crt), or, when name is empty, whatever the caller provides without
// one (the environment, or none). Git sources, charts and image
// automation all read their Secrets through one (plugin/cmd makes it).
type CredentialsFunc func(ctx context.Context, namespace, name string) (Auth, error)

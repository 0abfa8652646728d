package imageauto

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/authn"
)

// RegistryCredentials are the credentials for an image's registry.
type RegistryCredentials struct {
	// Keychain resolves credentials per registry; nil is anonymous.
	Keychain authn.Keychain
	// From says where they come from, for error hints, e.g. "Secret
	// default/imagesecret".
	From string
}

// RegistryCredentialsFunc returns the registry credentials of a policy
// naming the docker-registry Secret namespace/name, or, when name is empty,
// whatever the caller provides without one (a local docker config).
type RegistryCredentialsFunc func(ctx context.Context, namespace, name string) (RegistryCredentials, error)

// LocalRegistryCredentials uses the local docker config ($DOCKER_CONFIG or
// ~/.docker/config.json, with its credential helpers) for every policy,
// whatever Secret it names.
func LocalRegistryCredentials(context.Context, string, string) (RegistryCredentials, error) {
	return RegistryCredentials{Keychain: authn.DefaultKeychain, From: "the local docker config (docker login)"}, nil
}

// scanner lists tags once per image and credentials within one Update.
type scanner struct {
	creds    RegistryCredentialsFunc
	list     ListOptions
	progress func(format string, args ...any)
	memo     map[string]scanned
}

type scanned struct {
	tags []string
	err  error
}

// selectTag lists the tags of e's image and returns the one its policy
// selects and how many were listed.
func (s *scanner) selectTag(ctx context.Context, e policyEntry) (string, int, error) {
	sel, err := e.src.Compile()
	if err != nil {
		return "", 0, err
	}
	key := e.src.Image + "\x00" + e.src.Namespace + "\x00" + e.secret
	r, seen := s.memo[key]
	if !seen {
		r = s.scan(ctx, e)
		s.memo[key] = r
	}
	if r.err != nil {
		return "", 0, fmt.Errorf("%s: %w", e.origin, r.err)
	}
	tag, err := sel.Select(r.tags)
	if err != nil {
		return "", len(r.tags), fmt.Errorf("%s: image %s: %w", e.origin, e.src.Image, err)
	}
	if !seen {
		s.progress("%s: %s: %d tags, selected %s (%s)", e.id, e.src.Image, len(r.tags), tag, sel.Describe())
	}
	return tag, len(r.tags), nil
}

func (s *scanner) scan(ctx context.Context, e policyEntry) scanned {
	creds, err := s.creds(ctx, e.src.Namespace, e.secret)
	if err != nil {
		return scanned{err: fmt.Errorf("registry credentials: %w", err)}
	}
	opts := s.list
	opts.CredentialsHint = "check the registry credentials"
	if creds.From != "" {
		opts.CredentialsHint += " in " + creds.From
	}
	tags, err := ListTags(ctx, e.src.Image, creds.Keychain, opts)
	return scanned{tags: tags, err: err}
}

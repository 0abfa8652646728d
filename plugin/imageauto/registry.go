package imageauto

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Conditions of registry errors, for errors.Is.
var (
	// ErrRegistryAuth means the registry refused the credentials (or
	// wants some).
	ErrRegistryAuth = errors.New("registry authentication failed")
	// ErrImageNotFound means the registry has no such repository.
	ErrImageNotFound = errors.New("image repository not found")
	// ErrRegistryUnreachable means the registry could not be reached or
	// did not answer in time.
	ErrRegistryUnreachable = errors.New("registry unreachable")
	// ErrInvalidImage means an image name is not a repository name.
	ErrInvalidImage = errors.New("invalid image name")
)

// RegistryError is a failure to list an image's tags. Its message names
// the image and has every credential masked; Unwrap yields only the
// condition (one of the Err* values or a context error), never the
// cause.
type RegistryError struct {
	// Image is the repository, e.g. ghcr.io/org/app.
	Image string
	// Kind is the condition, or nil.
	Kind error
	msg  string
}

func (e *RegistryError) Error() string { return "registry " + e.Image + ": " + e.msg }

// Unwrap returns the condition.
func (e *RegistryError) Unwrap() error { return e.Kind }

// ListOptions tune ListTags.
type ListOptions struct {
	// Timeout bounds the whole listing, every page included. Default: 1
	// minute.
	Timeout time.Duration
	// PageSize is the number of tags asked for per page; 0 lets the
	// registry choose. Every page is read either way.
	PageSize int
	// CredentialsHint ends authentication errors, saying where the
	// credentials came from. Default: a generic hint.
	CredentialsHint string
}

// ListTags returns every tag of an image repository (all pages, in the
// registry's order), with credentials from kc (nil: anonymous).
func ListTags(ctx context.Context, image string, kc authn.Keychain, opts ListOptions) ([]string, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Minute
	}
	if kc == nil {
		kc = authn.NewMultiKeychain()
	}
	mk := newMaskingKeychain(kc)
	repo, err := name.NewRepository(image)
	if err != nil {
		return nil, &RegistryError{Image: image, Kind: ErrInvalidImage,
			msg: fmt.Sprintf("not an image repository name (registry/path, no tag or digest): %v", err)}
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	ro := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(mk)}
	if opts.PageSize > 0 {
		ro = append(ro, remote.WithPageSize(opts.PageSize))
	}
	tags, err := remote.List(repo, ro...)
	if err != nil {
		return nil, registryError(image, err, ctx.Err() == context.DeadlineExceeded, opts, mk)
	}
	return tags, nil
}

// registryError classifies and masks a listing failure.
func registryError(image string, err error, timedOut bool, opts ListOptions, mk *maskingKeychain) *RegistryError {
	e := &RegistryError{Image: image}
	msg := strings.Join(strings.Fields(mk.mask(err.Error())), " ")
	var terr *transport.Error
	switch {
	case timedOut || errors.Is(err, context.DeadlineExceeded):
		e.Kind = ErrRegistryUnreachable
		msg = fmt.Sprintf("no answer within %s (%s); check that the registry is up, or raise the timeout", opts.Timeout, msg)
	case errors.Is(err, context.Canceled):
		e.Kind = context.Canceled
	case errors.As(err, &terr) && (terr.StatusCode == http.StatusUnauthorized || terr.StatusCode == http.StatusForbidden):
		e.Kind = ErrRegistryAuth
		hint := opts.CredentialsHint
		if hint == "" {
			hint = "check the registry credentials"
		}
		msg = fmt.Sprintf("authentication failed (%s); %s", msg, hint)
	case errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound:
		e.Kind = ErrImageNotFound
		msg = fmt.Sprintf("repository not found (%s); check the image name", msg)
	case unreachable(err):
		e.Kind = ErrRegistryUnreachable
		msg = fmt.Sprintf("cannot reach the registry (%s); check the image name and that the registry is up", msg)
	}
	e.msg = msg
	return e
}

func unreachable(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) {
		return true
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	return errors.As(err, &opErr) || errors.As(err, &dnsErr)
}

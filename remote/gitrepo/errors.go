package gitrepo

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/oamgitops/kubectl-gitops/internal/redact"
)

// Conditions callers can branch on with errors.Is.
var (
	// ErrAuthFailed means the server refused the credentials (or wants some).
	ErrAuthFailed = errors.New("authentication failed")
	// ErrRepositoryNotFound means the server has no repository at the URL.
	ErrRepositoryNotFound = errors.New("repository not found")
	// ErrUnreachable means the server could not be reached at all.
	ErrUnreachable = errors.New("server unreachable")
	// ErrRefNotFound means the branch, tag or commit does not exist, or no
	// tag satisfies the semver range.
	ErrRefNotFound = errors.New("ref not found")
)

// Error is a failure to fetch a source. Its message names the source and its
// URL without credentials, and has every credential value masked. Unwrap
// yields only the condition (one of the Err* values, a context error, or
// nothing), never the raw cause, so no secret leaks through it.
type Error struct {
	// Source is the source's name.
	Source string
	// URL is the repository URL without credentials.
	URL string
	// Op is the step that failed: "fetch", "resolve", "checkout", "cache".
	Op string
	// Kind is the condition, or nil when none applies.
	Kind error
	msg  string
}

func (e *Error) Error() string {
	s := "source " + e.Source + " (" + e.URL + "): " + e.Op + ": " + e.msg
	if hint := hints[e.Kind]; hint != "" {
		s += "; " + hint
	}
	return s
}

// Unwrap returns the condition.
func (e *Error) Unwrap() error { return e.Kind }

var hints = map[error]string{
	ErrAuthFailed:         "check the username/password, token or identity in the source's secret",
	ErrRepositoryNotFound: "check the URL (and that the credentials may read it)",
	ErrUnreachable:        "check the URL and that the server is up and reachable",
}

// DisplayURL is url without the credentials a URL may hold
// (https://user:token@host/… → https://host/…), for output and records.
func DisplayURL(url string) string { return redact.Text(url) }

// newError builds an Error from cause, classifying it and masking secrets.
func newError(name, cleanURL, op string, cause error, secrets []string) *Error {
	msg := cause.Error()
	for _, s := range secrets {
		msg = strings.ReplaceAll(msg, s, "***")
		if esc := url.QueryEscape(s); esc != s {
			msg = strings.ReplaceAll(msg, esc, "***")
		}
		if esc := url.PathEscape(s); esc != s {
			msg = strings.ReplaceAll(msg, esc, "***")
		}
	}
	msg = redact.Text(msg)
	msg = strings.Join(strings.Fields(msg), " ") // one line, even from multi-line server replies
	return &Error{Source: name, URL: cleanURL, Op: op, Kind: classify(cause), msg: msg}
}

func classify(err error) error {
	for _, k := range []error{ErrAuthFailed, ErrRepositoryNotFound, ErrUnreachable, ErrRefNotFound, ErrInvalidRef, ErrInvalidAuth, ErrHostKey, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, k) {
			return k
		}
	}
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired), errors.Is(err, transport.ErrAuthorizationFailed):
		return ErrAuthFailed
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return ErrRepositoryNotFound
	case strings.Contains(err.Error(), "ssh: unable to authenticate"):
		// golang.org/x/crypto/ssh says a login was refused in text only.
		return ErrAuthFailed
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return ErrUnreachable
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	if errors.As(err, &opErr) || errors.As(err, &dnsErr) {
		return ErrUnreachable
	}
	return nil
}

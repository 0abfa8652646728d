package gitrepo

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/oamgitops/kubectl-gitops/internal/redact"
)

// Spec says which source to fetch.
type Spec struct {
	// Name names the source in errors. Default: the URL.
	Name string
	// URL is the repository: https://, http://, ssh://, user@host:path or
	// file://. Credentials in it are moved into Auth (and out of messages).
	URL string
	// Ref selects the commit. Default: the remote's default branch.
	Ref Ref
	// Auth holds the credentials. Default: none.
	Auth Auth
	// Known is a revision the caller already has: when Ref resolves to
	// it, Fetch writes no files and returns a Checkout with an empty Dir
	// (a pull that finds nothing new costs no checkout).
	Known string
}

// Options configures Fetch. Zero fields take their defaults.
type Options struct {
	// CacheDir holds the cached clones. Default: <user cache dir>/kubectl-gitops/git.
	CacheDir string
	// MaxCacheEntries bounds the cache; the least recently used clones
	// beyond it are removed after each fetch. Default: 32.
	MaxCacheEntries int
	// WorkDir receives the checked-out files; it must be absent or empty.
	// Default: a new temporary directory, which Checkout.Close removes.
	WorkDir string
	// Trees, when set and WorkDir is empty, shares one read-only checkout
	// per commit among the fetches that set it.
	Trees *Trees
	// Timeout bounds the whole fetch, including waiting for the cache lock.
	// Default: 5 minutes.
	Timeout time.Duration
}

// DefaultOptions returns Options with every default filled in.
func DefaultOptions() Options {
	o := Options{}
	o.defaults()
	return o
}

func (o *Options) defaults() {
	if o.CacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		o.CacheDir = filepath.Join(base, "kubectl-gitops", "git")
	}
	if o.MaxCacheEntries == 0 {
		o.MaxCacheEntries = 32
	}
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Minute
	}
}

// Checkout is a fetched source.
type Checkout struct {
	// Dir holds the files of the resolved commit.
	Dir string
	// Commit is the resolved commit's full hash.
	Commit string
	// Revision is Flux-style: "<branch or tag>@sha1:<hash>", or
	// "sha1:<hash>" for a bare commit ref.
	Revision string
	// CacheDir is the cached bare clone the files came from.
	CacheDir string

	release func() // gives up a shared tree; nil for a directory of its own
	owned   bool   // Dir is a temporary directory of this checkout's
}

// Close gives the files up: a shared tree is released, a temporary
// directory removed. A WorkDir the caller named stays.
func (c *Checkout) Close() error {
	if c.release != nil {
		c.release()
		return nil
	}
	if c.owned {
		return os.RemoveAll(c.Dir)
	}
	return nil
}

// FS returns the checked-out files as a file system.
func (c *Checkout) FS() fs.FS { return os.DirFS(c.Dir) }

// remoteName is the cached clone's only remote.
const remoteName = "origin"

// fetchRefSpecs mirror every branch (under refs/remotes/origin) and tag.
var fetchRefSpecs = []config.RefSpec{
	"+refs/heads/*:refs/remotes/origin/*",
	"+refs/tags/*:refs/tags/*",
}

// Fetch brings the cached clone of spec.URL up to date and writes the commit
// spec.Ref selects into a work directory.
func Fetch(ctx context.Context, spec Spec, opts Options) (*Checkout, error) {
	opts.defaults()
	ep, auth, err := endpoint(spec)
	if err != nil {
		return nil, err
	}
	cleanURL := ep.String()
	name := spec.Name
	if name == "" {
		name = cleanURL
	}
	fail := func(op string, err error) error {
		return newError(name, cleanURL, op, err, append(auth.secrets(), spec.Auth.secrets()...))
	}
	if err := spec.Ref.Validate(); err != nil {
		return nil, fail("ref", err)
	}
	method, err := auth.method(ep)
	if err != nil {
		return nil, fail("credentials", err)
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	c := cache{root: opts.CacheDir, max: opts.MaxCacheEntries}
	entry, release, err := c.acquire(ctx, cleanURL)
	if err != nil {
		return nil, fail("cache", err)
	}
	co, err := fetchLocked(ctx, entry, cleanURL, spec, method, auth.CAFile, opts)
	release()
	if err != nil {
		var op *opError
		if errors.As(err, &op) {
			return nil, fail(op.op, op.err)
		}
		return nil, fail("fetch", err)
	}
	if err := c.prune(ctx, entry); err != nil {
		co.Close()
		return nil, fail("cache", err)
	}
	return co, nil
}

// opError tags an error with the step that failed.
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return e.op + ": " + e.err.Error() }

func (e *opError) Unwrap() error { return e.err }

func fetchLocked(ctx context.Context, entry, url string, spec Spec, method transport.AuthMethod, ca []byte, opts Options) (*Checkout, error) {
	ref := spec.Ref
	bare := filepath.Join(entry, "repo.git")
	repo, err := git.PlainOpen(bare)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		repo, err = git.PlainInit(bare, true)
		if err == nil {
			_, err = repo.CreateRemote(&config.RemoteConfig{Name: remoteName, URLs: []string{url}})
		}
	}
	if err != nil {
		return nil, &opError{"cache", err}
	}
	remote, err := repo.Remote(remoteName)
	if err != nil {
		return nil, &opError{"cache", err}
	}
	if ref == (Ref{}) {
		// The remote's HEAD names its default branch.
		refs, err := remote.ListContext(ctx, &git.ListOptions{Auth: method, CABundle: ca})
		if err != nil {
			return nil, &opError{"fetch", err}
		}
		if ref.Branch, err = defaultBranch(refs); err != nil {
			return nil, &opError{"resolve", err}
		}
	}
	err = remote.FetchContext(ctx, &git.FetchOptions{
		RefSpecs: fetchRefSpecs,
		Auth:     method,
		CABundle: ca,
		Tags:     git.NoTags,
		Force:    true,
		Prune:    true,
	})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil, &opError{"fetch", err}
	}
	touch(entry)
	commit, revision, err := resolve(repo, ref)
	if err != nil {
		return nil, &opError{"resolve", err}
	}
	co := &Checkout{Commit: commit.Hash.String(), Revision: revision, CacheDir: bare}
	if spec.Known != "" && revision == spec.Known {
		return co, nil
	}
	if opts.Trees != nil && opts.WorkDir == "" {
		co.Dir, co.release, err = opts.Trees.acquire(co.Commit, func(dir string) error {
			_, err := writeTree(commit, dir)
			return err
		})
	} else {
		co.Dir, err = writeTree(commit, opts.WorkDir)
		co.owned = opts.WorkDir == ""
	}
	if err != nil {
		return nil, &opError{"checkout", err}
	}
	return co, nil
}

// endpoint parses spec.URL, moving any credentials in it into the returned
// Auth (unless Auth already has some) and out of the endpoint.
func endpoint(spec Spec) (*transport.Endpoint, Auth, error) {
	auth := spec.Auth
	if spec.URL == "" {
		return nil, auth, &Error{Source: spec.Name, URL: "", Op: "url", msg: "no URL given"}
	}
	ep, err := transport.NewEndpoint(spec.URL)
	if err != nil {
		// The message of a parse error may repeat the URL, credentials too.
		clean := redact.Text(spec.URL)
		return nil, auth, &Error{Source: spec.Name, URL: clean, Op: "url", msg: "not a valid Git URL"}
	}
	if ep.Protocol == "http" || ep.Protocol == "https" {
		if auth.Username == "" && auth.Password == "" && auth.BearerToken == "" {
			auth.Username, auth.Password = ep.User, ep.Password
		}
		ep.User, ep.Password = "", ""
	}
	if user, pass, ok := strings.Cut(ep.User, ":"); ok && ep.Password == "" {
		// scp-like user:pass@host:path comes back with both in User.
		ep.User, ep.Password = user, pass
	}
	if ep.Password != "" {
		if auth.Password == "" {
			auth.Password = ep.Password
		}
		ep.Password = ""
	}
	return ep, auth, nil
}

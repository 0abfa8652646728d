package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// Signature names a commit's author (also its committer).
type Signature struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Commit is a change to commit on top of a branch head.
type Commit struct {
	// Files are the new contents of existing regular files, keyed by
	// slash-separated path from the repository root.
	Files map[string][]byte
	// Message is the commit message.
	Message string
	// Author is the author and the committer; Name and Email are required.
	Author Signature
	// When is the commit time. Default: now.
	When time.Time
}

// UpdateFunc computes the commit to make on a checkout of the branch head,
// or returns nil when there is nothing to commit. CommitAndPush calls it
// once per attempt, each time on a newer head, and removes co.Dir after it
// returns (unless the caller passed co in PushOptions.Checkout).
type UpdateFunc func(ctx context.Context, co *Checkout) (*Commit, error)

// PushOptions configures CommitAndPush. Zero fields take their defaults.
type PushOptions struct {
	// Options configures each fetch (cache, timeout); WorkDir and Trees
	// are ignored.
	// Timeout also bounds each push.
	Options
	// Branch receives the commit. Default: the branch spec.Ref follows.
	// When it is another branch and exists, commits go on top of it;
	// when it does not exist yet, it is created from spec.Ref's branch.
	Branch string
	// MaxAttempts bounds the attempts when the branch moves between the
	// fetch and the push. Default: 5.
	MaxAttempts int
	// Checkout, when set, is a fresh checkout of spec.Ref's branch head the
	// caller already fetched: the first attempt uses it instead of
	// fetching again (only when Branch is that branch). It is not removed.
	Checkout *Checkout
}

// Pushed is what CommitAndPush did.
type Pushed struct {
	// Commit is the pushed commit's hash; empty when the last attempt had
	// nothing to commit.
	Commit string `json:"commit,omitempty"`
	// Base is the commit the last attempt worked on (the pushed commit's
	// parent), and BaseRevision its revision, "main@sha1:<hash>".
	Base         string `json:"base"`
	BaseRevision string `json:"baseRevision"`
	// Branch is the branch pushed to.
	Branch string `json:"branch"`
	// Attempts counts the attempts made, 1 when nothing got in the way.
	Attempts int `json:"attempts"`
}

// ErrBranchMoved means the branch moved on the server between the fetch
// and the push in every attempt.
var ErrBranchMoved = errors.New("branch kept moving")

// errMoved marks a push refused because the branch is no longer where the
// attempt found it.
var errMoved = errors.New("the branch moved on the server since it was fetched")

// notPushed ends the message of every push failure.
const notPushed = "nothing was pushed; the next run tries again"

// CommitAndPush fetches the branch spec.Ref names (or the remote's default
// branch), lets update compute a commit on its head, and pushes the commit
// to opts.Branch without forcing. When the push is refused because the
// branch moved meanwhile, it fetches again and retries on the new head,
// opts.MaxAttempts times in all. Nothing is pushed when update fails or
// returns nil; a failed push leaves the remote as it was. Errors about the
// repository are *Error, with credentials masked; update's errors are
// returned as they are.
func CommitAndPush(ctx context.Context, spec Spec, opts PushOptions, update UpdateFunc) (*Pushed, error) {
	opts.defaults()
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 5
	}
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
	if r := spec.Ref; r.Tag != "" || r.SemVer != "" || r.Commit != "" {
		return nil, fail("push", fmt.Errorf("%w: commits go on a branch, but the source follows %s", ErrInvalidRef, r))
	}
	method, err := auth.method(ep)
	if err != nil {
		return nil, fail("credentials", err)
	}
	t := pushTarget{base: spec.Ref.Branch, branch: opts.Branch}
	first, ownFirst := opts.Checkout, false
	if t.base == "" {
		// The remote's default branch: its name comes with a fetch.
		if first == nil {
			s := spec
			s.Ref = Ref{}
			if first, err = Fetch(ctx, s, withoutWorkDir(opts.Options)); err != nil {
				return nil, err
			}
			ownFirst = true
		}
		t.base = revisionBranch(first.Revision)
	}
	if t.branch == "" {
		t.branch = t.base
	}
	if t.branch != t.base {
		if ownFirst {
			first.Close()
		}
		first, ownFirst = nil, false
	}
	res := &Pushed{Branch: t.branch}
	for attempt := 1; ; attempt++ {
		res.Attempts = attempt
		co, old, owned := first, "", ownFirst
		if co != nil {
			old = co.Commit
		} else if co, old, err = t.checkout(ctx, spec, opts.Options); err != nil {
			return res, err
		} else {
			owned = true
		}
		first = nil
		c, err := update(ctx, co)
		if owned {
			co.Close()
		}
		res.Base, res.BaseRevision = co.Commit, co.Revision
		if err != nil {
			return res, err
		}
		if c == nil {
			return res, nil
		}
		hash, err := pushCommit(ctx, opts.Options, cleanURL, method, auth.CAFile, co.Commit, old, t.branch, c)
		if err == nil {
			res.Commit = hash
			return res, nil
		}
		if !errors.Is(err, errMoved) {
			return res, fail("push", fmt.Errorf("%w; %s", err, notPushed))
		}
		if attempt >= opts.MaxAttempts {
			e := newError(name, cleanURL, "push", fmt.Errorf("%w: branch %s moved during each of %d attempts; %s", ErrBranchMoved, t.branch, attempt, notPushed), append(auth.secrets(), spec.Auth.secrets()...))
			e.Kind = ErrBranchMoved
			return res, e
		}
	}
}

// pushTarget is the branch a commit is based on and the branch it goes to.
type pushTarget struct {
	base, branch string
}

// checkout fetches the head to commit on: the target branch when it
// exists, else the base branch. old is the target branch's commit at the
// fetch ("" when it does not exist yet).
func (t pushTarget) checkout(ctx context.Context, spec Spec, opts Options) (*Checkout, string, error) {
	fetch := func(branch string) (*Checkout, error) {
		s := spec
		s.Ref = Ref{Branch: branch}
		return Fetch(ctx, s, withoutWorkDir(opts))
	}
	co, err := fetch(t.branch)
	if err == nil {
		return co, co.Commit, nil
	}
	if t.branch == t.base || !errors.Is(err, ErrRefNotFound) {
		return nil, "", err
	}
	if co, err = fetch(t.base); err != nil {
		return nil, "", err
	}
	return co, "", nil
}

// withoutWorkDir makes each fetch write a new temporary directory of its
// own, never a shared tree: the update writes into it.
func withoutWorkDir(o Options) Options {
	o.WorkDir, o.Trees = "", nil
	return o
}

// revisionBranch is the branch of a revision "main@sha1:<hash>".
func revisionBranch(revision string) string {
	b, _, _ := strings.Cut(revision, "@sha1:")
	return b
}

// pushCommit writes c on top of base in the cached clone and pushes it to
// branch, which the server must still have at old ("" for absent). A push
// refused because the branch moved wraps errMoved.
func pushCommit(ctx context.Context, opts Options, url string, method transport.AuthMethod, ca []byte, base, old, branch string, c *Commit) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	cc := cache{root: opts.CacheDir, max: opts.MaxCacheEntries}
	entry, release, err := cc.acquire(ctx, url)
	if err != nil {
		return "", err
	}
	defer release()
	repo, err := git.PlainOpen(filepath.Join(entry, "repo.git"))
	if err != nil {
		return "", err
	}
	hash, err := writeCommit(repo.Storer, plumbing.NewHash(base), c)
	if err != nil {
		return "", err
	}
	remote, err := repo.Remote(remoteName)
	if err != nil {
		return "", err
	}
	ref := plumbing.NewBranchReferenceName(branch)
	var said bytes.Buffer // what the server's hooks print
	err = remote.PushContext(ctx, &git.PushOptions{
		RemoteName: remoteName,
		RefSpecs:   []config.RefSpec{config.RefSpec(hash.String() + ":" + ref.String())},
		Auth:       method,
		CABundle:   ca,
		Progress:   &said,
	})
	if err == nil || errors.Is(err, git.NoErrAlreadyUpToDate) {
		return hash.String(), nil
	}
	if msg := strings.TrimSpace(said.String()); msg != "" {
		if len(msg) > 500 {
			msg = msg[:500] + "…"
		}
		err = fmt.Errorf("%w (the server said: %s)", err, msg)
	}
	// Whatever the server said, the branch moved if it is no longer where
	// the fetch found it: then the caller retries on the new head.
	refs, lerr := remote.ListContext(ctx, &git.ListOptions{Auth: method, CABundle: ca})
	if lerr != nil {
		return "", err
	}
	now := ""
	for _, r := range refs {
		if r.Name() == ref {
			now = r.Hash().String()
		}
	}
	if now != old {
		return "", fmt.Errorf("%w (%v)", errMoved, err)
	}
	return "", err
}

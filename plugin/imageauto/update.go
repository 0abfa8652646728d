package imageauto

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
)

// Default commit author.
const (
	DefaultAuthorName  = "kubectl-gitops"
	DefaultAuthorEmail = "noreply@oamgitops.dev"
)

// Options tune Update. Zero fields take their defaults.
type Options struct {
	// Author is the author and committer of the commits. Default:
	// kubectl-gitops <noreply@oamgitops.dev>. An ImageUpdateAutomation's
	// author wins over it.
	Author gitrepo.Signature
	// DryRun computes the changes and the commit message without
	// committing. Default false.
	DryRun bool
	// MaxPushAttempts bounds the attempts when the branch moves between
	// the fetch and the push. Default 5.
	MaxPushAttempts int
	// RegistryTimeout bounds the listing of one image's tags. Default 1
	// minute.
	RegistryTimeout time.Duration
	// PageSize is the number of tags asked for per page; 0 lets the
	// registry choose.
	PageSize int
	// Progress receives one line per step. Nil discards them.
	Progress io.Writer
	// Now is the clock for commit times. Default time.Now.
	Now func() time.Time
}

// DefaultInterval is how often the pull loops (watch, agent) run image
// automation unless told otherwise.
const DefaultInterval = time.Minute

// DefaultOptions returns Options with every default filled in.
func DefaultOptions() Options {
	o := Options{}
	o.defaults()
	return o
}

func (o *Options) defaults() {
	if o.Author.Name == "" {
		o.Author.Name = DefaultAuthorName
	}
	if o.Author.Email == "" {
		o.Author.Email = DefaultAuthorEmail
	}
	if o.MaxPushAttempts <= 0 {
		o.MaxPushAttempts = 5
	}
	if o.RegistryTimeout <= 0 {
		o.RegistryTimeout = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Updater scans registries for the images a source's policies follow and
// commits the selected tags to the source's branch.
type Updater struct {
	// GitCredentials reads a source's Git credentials. Nil means none.
	GitCredentials gitrepo.CredentialsFunc
	// RegistryCredentials reads registry credentials. Nil means
	// LocalRegistryCredentials.
	RegistryCredentials RegistryCredentialsFunc
	// Fetch configures fetches and pushes (the Git cache); WorkDir is
	// ignored. With Trees, the plan reads the process's one checkout of a
	// commit, shared with every other reader.
	Fetch   gitrepo.Options
	Options Options
	// Seen, when set, lets a source found without a policy be skipped
	// until its revision changes (watch and the agent keep one across
	// passes). Nil looks at every source every time.
	Seen *Seen
}

// Update fetches the source's branch, selects a tag for each image policy
// (the declared imageRepository block and the Flux ImagePolicies in the
// source), sets the marked fields under the source's path and, when
// something changed, commits and pushes, retrying on a newer head when the
// branch moved meanwhile. Nothing is pushed when any policy fails. The
// Result is filled as far as Update got, also on error.
func (u *Updater) Update(ctx context.Context, src Source) (*Result, error) {
	return u.update(ctx, src, nil)
}

// update is Update within an UpdateAll's pass (nil for none).
func (u *Updater) update(ctx context.Context, src Source, ps pass) (*Result, error) {
	o := u.Options
	o.defaults()
	res := &Result{Source: src.Git.Name, Origin: src.Git.Origin, DryRun: o.DryRun, Policies: []PolicyResult{}, Changes: []FieldChange{}}
	progress := func(format string, args ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, src.Git.Name+": "+format+"\n", args...)
		}
	}
	fail := func(err error) (*Result, error) {
		var se *gitrepo.Error
		if errors.As(err, &se) {
			return res, err
		}
		return res, fmt.Errorf("source %s: %w", src.Git.Name, err)
	}
	if r := src.Git.Ref; r.Tag != "" || r.SemVer != "" || r.Commit != "" {
		return fail(fmt.Errorf("image update commits to a branch, but the source follows %s; give it a branch", r))
	}
	dir, err := source.RepoPath(src.Git.Path)
	if err != nil {
		return fail(err)
	}
	if d := src.Declared; d != nil {
		// Mistakes in the block fail before any network access.
		if _, err := d.Policy.Compile(); err != nil {
			return fail(err)
		}
		if _, _, _, _, err := messageTemplate(src, nil); err != nil {
			return fail(err)
		}
	}
	// A plain source at the revision it held no policy at: nothing to do.
	skip := func(rev string) (*Result, error) {
		res.Revision = rev
		res.Notes = append(res.Notes, noPolicyNote)
		progress("no image policy at %s, as before; nothing to do", rev)
		return res, nil
	}
	if rev, ok := ps.unchanged(u.Seen, src); ok {
		return skip(rev)
	}
	var auth gitrepo.Auth
	if u.GitCredentials != nil {
		if auth, err = u.GitCredentials(ctx, src.Git.Namespace, src.Git.SecretRef); err != nil {
			return fail(err)
		}
	}
	spec := gitrepo.Spec{Name: src.Git.Name, URL: src.Git.URL, Ref: src.Git.Ref, Auth: auth, Known: u.Seen.without(src)}
	fetch := u.Fetch
	// With Trees the checkout is the syncs' too: a fleet on one repository
	// costs one per commit, not one per source. Nothing writes into it: a
	// push builds its commit from the files the plan computed.
	fetch.WorkDir = ""
	co, err := gitrepo.Fetch(ctx, spec, fetch)
	if err != nil {
		return fail(err)
	}
	defer co.Close()
	res.Revision = co.Revision
	ps.fetched(src, co.Revision)
	if co.Dir == "" { // Known matched
		return skip(co.Revision)
	}
	progress("fetched %s", co.Revision)

	creds := u.RegistryCredentials
	if creds == nil {
		creds = LocalRegistryCredentials
	}
	sc := &scanner{creds: creds, list: ListOptions{Timeout: o.RegistryTimeout, PageSize: o.PageSize}, progress: progress, memo: map[string]scanned{}}
	p, err := u.plan(ctx, src, dir, co, sc, o)
	res.record(p)
	if err == nil {
		u.Seen.record(src, co.Revision, len(p.policies))
	}
	for _, n := range p.notes {
		progress("warning: %s", n)
	}
	if err != nil {
		return fail(err)
	}
	switch {
	case len(p.policies) == 0:
		res.Notes = append(res.Notes, noPolicyNote)
		progress("no image policy; nothing to do")
		return res, nil
	case len(p.changes) == 0:
		progress("up to date")
		return res, nil
	case o.DryRun:
		progress("dry run: %d field(s) in %d file(s) would change; nothing committed", len(p.changes), len(p.files))
		return res, nil
	}
	pushed, err := gitrepo.CommitAndPush(ctx, spec, gitrepo.PushOptions{Options: fetch, Branch: p.pushBranch, MaxAttempts: o.MaxPushAttempts, Checkout: co},
		func(ctx context.Context, c *gitrepo.Checkout) (*gitrepo.Commit, error) {
			if c != co {
				progress("fetched %s (the branch moved; updating again)", c.Revision)
				np, err := u.plan(ctx, src, dir, c, sc, o)
				p = np
				if err != nil {
					return nil, err
				}
			}
			if len(p.files) == 0 {
				return nil, nil
			}
			return &gitrepo.Commit{Files: p.files, Message: p.message, Author: p.author, When: o.Now()}, nil
		})
	res.record(p)
	if pushed != nil {
		res.Revision, res.Commit, res.Branch, res.Attempts = pushed.BaseRevision, pushed.Commit, pushed.Branch, pushed.Attempts
	}
	if err != nil {
		return fail(err)
	}
	if res.Commit == "" {
		progress("up to date at %s", res.Revision)
		return res, nil
	}
	ps.fetched(src, "") // the branch moved: the next source fetches it again
	progress("pushed %s to %s: %d field(s) in %d file(s)", short(res.Commit), res.Branch, len(res.Changes), len(p.files))
	return res, nil
}

const noPolicyNote = "no image policy: the source declares no imageRepository block and holds no Flux ImagePolicy"

// record copies a plan into the result.
func (r *Result) record(p *plan) {
	if p == nil {
		return
	}
	r.Policies = append([]PolicyResult{}, p.policies...)
	r.Changes = []FieldChange{}
	for _, c := range p.changes {
		r.Changes = append(r.Changes, FieldChange{File: c.File, Line: c.Line, Object: c.Object, Field: c.Field, Setter: c.Setter, Old: c.OldValue, New: c.NewValue})
	}
	r.Message = p.message
	r.Notes = append([]string{}, p.notes...)
}

func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}

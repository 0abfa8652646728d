package watch

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fluxcd/pkg/ssa"

	"github.com/oamgitops/kubectl-gitops/plugin/build"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

// entry is one watched source and its schedule.
type entry struct {
	src      source.Declaration
	parent   *entry
	children []*entry
	// built is the last build that synced healthy: the drift clock syncs
	// it again. Nil before the first sync and after a failed one.
	built *build.Built
	// synced is built's revision, the one a pull need not build again;
	// empty when built is nil.
	synced string
	// last is the last revision synced healthy, for messages; attempted
	// is the last one a sync was tried at.
	last, attempted string
	// nextPull and nextDrift are when the clocks are due; zero is now.
	nextPull, nextDrift time.Time
	// failures counts failures in a row.
	failures int
	// gone is set when no build declares the source any more.
	gone bool
}

// interval is the source's pull interval.
func (st *state) interval(e *entry) time.Duration {
	if e.src.Interval > 0 {
		return e.src.Interval
	}
	return st.opts.Interval
}

// order lists the watched sources depth first: each parent before its
// nested sources, roots in the order given.
func (st *state) order() []*entry {
	var out []*entry
	var visit func(es []*entry)
	visit = func(es []*entry) {
		for _, e := range es {
			out = append(out, e)
			visit(e.children)
		}
	}
	visit(st.roots)
	return out
}

// pull fetches e; when the revision is new (or the last sync failed) it
// builds and syncs it, then adds, updates and drops e's nested sources,
// pulling the new ones at once. When loud it reports failures itself.
func (st *state) pull(ctx context.Context, e *entry, loud bool) []error {
	f, err := st.loop.Fetcher.FetchOne(ctx, e.src, e.synced)
	if err != nil {
		return []error{st.fail(ctx, e, err, loud)}
	}
	if f.Built == nil {
		e.failures = 0
		e.nextPull = st.opts.Now().Add(st.interval(e))
		st.progress("%s: up to date at %s", e.src.Name, f.Revision)
		if !st.opts.Now().Before(e.nextDrift) {
			if err := st.resync(ctx, e, loud); err != nil {
				return []error{err}
			}
		}
		return nil
	}
	switch {
	case e.last == "":
		st.progress("%s: syncing %s", e.src.Name, f.Revision)
	case e.last == f.Revision:
		st.progress("%s: syncing %s again", e.src.Name, f.Revision)
	default:
		st.progress("%s: new revision %s (was %s)", e.src.Name, f.Revision, e.last)
	}
	b := f.Built
	e.attempted = b.Revision
	st.syncs++
	if e.parent != nil {
		parent := e.parent.src
		b.Parent = &parent
	}
	if _, err := st.loop.Syncer.Sync(ctx, b); err != nil {
		e.built, e.synced = nil, ""
		return []error{st.fail(ctx, e, fmt.Errorf("%s: at %s: %w", e.src, b.Revision, err), loud)}
	}
	now := st.opts.Now()
	e.built, e.synced, e.last, e.failures = b, b.Revision, b.Revision, 0
	e.nextPull, e.nextDrift = now.Add(st.interval(e)), now.Add(st.opts.DriftInterval)
	added, errs := st.setChildren(e, f.Nested)
	for _, err := range errs {
		if loud {
			st.progress("%s: %v", e.src.Name, err)
		}
	}
	for _, c := range added {
		errs = append(errs, st.pull(ctx, c, loud)...)
	}
	return errs
}

// resync syncs e's last build again on the drift clock and says what it
// repaired.
func (st *state) resync(ctx context.Context, e *entry, loud bool) error {
	st.syncs++
	res, err := st.drift.Sync(ctx, e.built)
	if err != nil {
		err = fmt.Errorf("%s: drift check at %s: %w", e.src, e.synced, err)
		e.built, e.synced = nil, ""
		return st.fail(ctx, e, err, loud)
	}
	e.nextDrift = st.opts.Now().Add(st.opts.DriftInterval)
	var repaired []string
	for _, c := range res.Changes {
		if c.Action == string(ssa.UnchangedAction) {
			continue
		}
		repaired = append(repaired, c.Subject()+" "+c.Action)
	}
	if len(repaired) == 0 {
		st.progress("%s: no drift at %s", e.src.Name, e.synced)
		return nil
	}
	st.progress("%s: drift repaired: %s", e.src.Name, strings.Join(repaired, ", "))
	return nil
}

// fail schedules e's retry and, when loud, reports err. It returns err.
func (st *state) fail(ctx context.Context, e *entry, err error, loud bool) error {
	if ctx.Err() != nil {
		return nil // stopping: not a failure of the source
	}
	e.failures++
	d := st.backoff(e.failures, st.interval(e))
	e.nextPull = st.opts.Now().Add(d)
	if loud {
		st.progress("%s: failed (retry in %s): %v", e.src.Name, d, err)
	}
	return err
}

// setChildren makes nested e's nested sources: new ones are added (and
// returned, to be pulled now), known ones take the new declaration, and
// those no longer declared are dropped with their own nested sources. A
// source already watched elsewhere is left there; one that is e or an
// ancestor of e is a cycle, refused.
func (st *state) setChildren(e *entry, nested []source.Declaration) ([]*entry, []error) {
	var errs []error
	var added, children []*entry
	old := map[string]*entry{}
	for _, c := range e.children {
		old[c.src.Key()] = c
	}
	declared := map[string]bool{}
	for _, n := range nested {
		key := n.Key()
		if err := source.CheckCycle(e.chain(), n); err != nil {
			errs = append(errs, err)
			continue
		}
		if declared[key] {
			continue
		}
		declared[key] = true
		if c := old[key]; c != nil {
			c.src = n
			children = append(children, c)
			continue
		}
		if other := st.byKey[key]; other != nil {
			st.progress("%s: declared by %s too: watched once, as %s", n.Name, e.src.Name, other.src.Name)
			continue
		}
		c := &entry{src: n, parent: e}
		st.byKey[key] = c
		children = append(children, c)
		added = append(added, c)
	}
	for key, c := range old {
		if !declared[key] {
			st.progress("%s: no longer declared by %s: not watched any more; what it applied stays in the cluster", c.src.Name, e.src.Name)
			st.drop(c)
		}
	}
	e.children = children
	return added, errs
}

// drop stops watching c and its nested sources.
func (st *state) drop(c *entry) {
	c.gone = true
	if st.byKey[c.src.Key()] == c {
		delete(st.byKey, c.src.Key())
	}
	for _, n := range c.children {
		st.drop(n)
	}
}

// chain is the sources from the root down to e.
func (e *entry) chain() []source.Declaration {
	var out []source.Declaration
	for a := e; a != nil; a = a.parent {
		out = append([]source.Declaration{a.src}, out...)
	}
	return out
}

package watch

import (
	"context"
	"errors"
	"time"

	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

// Tree is one root source and the nested sources its builds declare,
// stepped from outside: a controller's work queue holds the tree's key
// and calls Step when it is due, so different trees sync in parallel while
// each tree does one thing at a time. The Loop's Fetcher, Syncer,
// DriftSyncer and Options (clock, intervals, backoff) are the tree's; its
// Tasks are not run.
//
// A Tree is not safe for concurrent use: the queue gives each key to one
// worker at a time.
type Tree struct {
	st *state
}

// Step is what one Tree.Step did.
type Step struct {
	// Next is when something of the tree is due next.
	Next time.Time
	// Synced says a sync ran (a new revision, a retry or a drift check),
	// so what the inventories record may have changed.
	Synced bool
	// Errors are the failures of this step, each naming its source; they
	// were reported on Options.Progress too.
	Errors []error
}

// NewTree starts the schedule of root: its first Step pulls it.
func (l *Loop) NewTree(root source.Declaration) (*Tree, error) {
	l2 := *l
	l2.Tasks = nil
	st, err := l2.start([]source.Declaration{root})
	if err != nil {
		return nil, err
	}
	return &Tree{st: st}, nil
}

// Step does what is due now in the tree (a parent before its nested
// sources) and says when it is due again.
func (t *Tree) Step(ctx context.Context) Step {
	before := t.st.syncs
	errs := t.st.pass(ctx, false)
	return Step{Next: t.st.next(), Synced: t.st.syncs > before, Errors: errs}
}

// PullNow makes every source of the tree due at the next Step: its
// declaration changed, or something pushed to its repository.
func (t *Tree) PullNow() {
	for _, e := range t.st.order() {
		e.nextPull = time.Time{}
	}
}

// SetRoot takes a new declaration of the root (its interval or prune
// setting changed); its key must stay the same.
func (t *Tree) SetRoot(s source.Declaration) error {
	root := t.st.roots[0]
	if s.Key() != root.src.Key() {
		return errors.New("watch: SetRoot with another repository, ref or path: start a new Tree")
	}
	root.src = s
	return nil
}

// Sources are the root and its nested sources being watched, depth first.
func (t *Tree) Sources() []source.Declaration {
	var out []source.Declaration
	for _, e := range t.st.order() {
		if !e.gone {
			out = append(out, e.src)
		}
	}
	return out
}

// Revisions are the tree's root revisions: the last synced healthy
// (applied) and the last one a sync was tried at (attempted); empty before
// there is one.
func (t *Tree) Revisions() (applied, attempted string) {
	root := t.st.roots[0]
	return root.last, root.attempted
}

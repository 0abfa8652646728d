package watch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/build"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

// Fetcher fetches one source alone and builds it when its revision is not
// the known one.
type Fetcher interface {
	FetchOne(ctx context.Context, s source.Declaration, known string) (*build.Fetched, error)
}

// Syncer applies one built source.
type Syncer interface {
	Sync(ctx context.Context, b *build.Built) (*apply.Result, error)
}

// Options configures a Loop.
type Options struct {
	// Interval is how often a source without a pullInterval is fetched.
	// Default 1 minute.
	Interval time.Duration
	// DriftInterval is how often the last revision synced is synced again
	// to repair drift. Default 5 minutes.
	DriftInterval time.Duration
	// RetryDelay is the wait after a first failure; it doubles with each
	// failure in a row, never beyond the source's interval. Default 10
	// seconds.
	RetryDelay time.Duration
	// Progress receives one line per event. Nil discards them.
	Progress io.Writer
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Sleep waits d or until ctx is done, then returns ctx's error.
	// Default a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultOptions returns the options `kubectl gitops watch` starts from.
func DefaultOptions() Options {
	return Options{Interval: time.Minute, DriftInterval: 5 * time.Minute, RetryDelay: 10 * time.Second}
}

func (o *Options) defaults() {
	d := DefaultOptions()
	if o.Interval == 0 {
		o.Interval = d.Interval
	}
	if o.DriftInterval == 0 {
		o.DriftInterval = d.DriftInterval
	}
	if o.RetryDelay == 0 {
		o.RetryDelay = d.RetryDelay
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
}

func (o *Options) validate() error {
	if o.Interval < 0 || o.DriftInterval < 0 || o.RetryDelay < 0 {
		return errors.New("watch: intervals and the retry delay must not be negative")
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Loop watches sources and syncs what changes.
type Loop struct {
	// Fetcher fetches and builds sources (plugin/reconcile's Walker).
	Fetcher Fetcher
	// Syncer syncs new revisions; its progress lines are the sync's.
	Syncer Syncer
	// DriftSyncer syncs the last revision again on the drift clock, the
	// loop saying what it repaired. Nil means Syncer.
	DriftSyncer Syncer
	// Tasks run on their own intervals between syncs.
	Tasks   []Task
	Options Options
}

// Run watches roots until ctx is done, then returns nil. Failures are
// reported on Progress and retried; Run returns an error only for invalid
// options.
func (l *Loop) Run(ctx context.Context, roots []source.Declaration) error {
	st, err := l.start(roots)
	if err != nil {
		return err
	}
	for {
		st.pass(ctx, false)
		if ctx.Err() != nil {
			return nil
		}
		if d := st.next().Sub(st.opts.Now()); d > 0 {
			if err := st.opts.Sleep(ctx, d); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
	}
}

// Once runs one pass, as sync does: every task once, then every root
// fetched, built and synced, each nested source right after its parent. A
// failing source does not stop the others; Once returns their errors
// joined.
func (l *Loop) Once(ctx context.Context, roots []source.Declaration) error {
	st, err := l.start(roots)
	if err != nil {
		return err
	}
	return errors.Join(st.pass(ctx, true)...)
}

func (l *Loop) start(roots []source.Declaration) (*state, error) {
	opts := l.Options
	opts.defaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if l.Fetcher == nil || l.Syncer == nil {
		return nil, errors.New("watch: a Fetcher and a Syncer are required")
	}
	if len(roots) == 0 && len(l.Tasks) == 0 {
		return nil, errors.New("watch: no source and no task: nothing to watch")
	}
	st := &state{loop: l, opts: opts, byKey: map[string]*entry{}}
	st.drift = l.DriftSyncer
	if st.drift == nil {
		st.drift = l.Syncer
	}
	for _, s := range roots {
		if other := st.byKey[s.Key()]; other != nil {
			st.progress("%s: same repository, ref and path as %s: watched once", s.Name, other.src.Name)
			continue
		}
		e := &entry{src: s}
		st.roots = append(st.roots, e)
		st.byKey[s.Key()] = e
	}
	for _, t := range l.Tasks {
		if t.Interval <= 0 || t.Run == nil {
			return nil, fmt.Errorf("watch: task %q needs a positive interval and a Run function", t.Name)
		}
		st.tasks = append(st.tasks, &taskState{task: t})
	}
	return st, nil
}

// state is the schedule of one Run or Once.
type state struct {
	loop  *Loop
	opts  Options
	drift Syncer
	roots []*entry
	byKey map[string]*entry
	tasks []*taskState
	// syncs counts the syncs run, drift checks included.
	syncs int
}

// pass does what is due now: each task (image automation first, so what
// it pushes is synced in this pass), then each source in depth-first order
// (a parent before its nested sources). With all set, everything is due.
// It returns the failures; unless all, it also reports them.
func (st *state) pass(ctx context.Context, all bool) []error {
	var errs []error
	report := func(err error) {
		if err == nil || ctx.Err() != nil {
			return
		}
		errs = append(errs, err)
	}
	for _, t := range st.tasks {
		if ctx.Err() != nil {
			return errs
		}
		if all || !st.opts.Now().Before(t.next) {
			report(st.runTask(ctx, t, !all))
		}
	}
	for _, e := range st.order() {
		if ctx.Err() != nil {
			return errs
		}
		if e.gone {
			continue
		}
		now := st.opts.Now()
		switch {
		case all || !now.Before(e.nextPull):
			for _, err := range st.pull(ctx, e, !all) {
				report(err)
			}
		case e.built != nil && !now.Before(e.nextDrift):
			report(st.resync(ctx, e, !all))
		}
	}
	return errs
}

// next is when something is due next.
func (st *state) next() time.Time {
	var next time.Time
	earliest := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	for _, e := range st.order() {
		earliest(e.nextPull)
		if e.built != nil {
			earliest(e.nextDrift)
		}
	}
	for _, t := range st.tasks {
		earliest(t.next)
	}
	return next
}

// backoff is the wait after failures failures in a row: RetryDelay,
// doubling, capped at max.
func (st *state) backoff(failures int, max time.Duration) time.Duration {
	d := st.opts.RetryDelay
	for i := 1; i < failures && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d
}

func (st *state) progress(format string, args ...any) {
	if st.opts.Progress != nil {
		fmt.Fprintf(st.opts.Progress, format+"\n", args...)
	}
}

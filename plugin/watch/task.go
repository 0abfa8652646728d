package watch

import (
	"context"
	"fmt"
	"time"
)

// Task is periodic work the loop runs besides syncing sources, such as
// scanning registries and committing image updates (image automation).
// It runs between syncs, never during one, before the sources that are
// due; when it reports that it changed Git, every source is pulled at once
// so what it pushed is rolled out in the same pass.
type Task struct {
	// Name names the task in messages.
	Name string
	// Interval is how often it runs; the first run is in the first pass.
	Interval time.Duration
	// Run does the work once; changed says it pushed to Git.
	Run func(ctx context.Context) (changed bool, err error)
}

type taskState struct {
	task     Task
	next     time.Time
	failures int
}

// runTask runs t and schedules its next run: its interval later, or
// sooner with backoff after a failure. When loud it reports failures.
func (st *state) runTask(ctx context.Context, t *taskState, loud bool) error {
	changed, err := t.task.Run(ctx)
	if changed {
		for _, e := range st.order() {
			e.nextPull = time.Time{} // due now
		}
	}
	if err != nil && ctx.Err() == nil {
		t.failures++
		d := st.backoff(t.failures, t.task.Interval)
		t.next = st.opts.Now().Add(d)
		if loud {
			st.progress("%s: failed (retry in %s): %v", t.task.Name, d, err)
		}
		return fmt.Errorf("%s: %w", t.task.Name, err)
	}
	t.failures = 0
	t.next = st.opts.Now().Add(t.task.Interval)
	return nil
}

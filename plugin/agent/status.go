package agent

import (
	"context"
	"fmt"
	"reflect"

	"github.com/oamgitops/kubectl-gitops/plugin/status"
)

// writeStatus writes the status of one Application when it changed.
func (c *Controller) writeStatus(ctx context.Context, key string) error {
	c.mu.Lock()
	st := c.apps[key]
	if st == nil {
		c.mu.Unlock()
		return nil // deleted
	}
	if st.deleting {
		obj, done := st.obj, len(st.gc) == 0
		c.mu.Unlock()
		if done && hasFinalizer(obj) {
			if err := c.o.Finalizers.SetFinalizer(ctx, obj, false); err != nil {
				return fmt.Errorf("finalizer: %w", err)
			}
		}
		return nil // a deleted Application's status is not written
	}
	roots, snaps, observed := c.sourcesOf(st)
	if observed {
		st.observed = st.gen
	}
	obj, decl, observedGen := st.obj, st.decl, st.observed
	c.mu.Unlock()

	if c.o.Finalizers != nil && len(decl.roots) > 0 && !hasFinalizer(obj) {
		if err := c.o.Finalizers.SetFinalizer(ctx, obj, true); err != nil {
			return fmt.Errorf("finalizer: %w", err)
		}
	}

	old, _ := obj.Object["status"].(map[string]any)
	want := status.Application(obj, decl.err, roots, snaps, observedGen)
	status.KeepTransitions(want, old, c.o.Clock.Now())
	if reflect.DeepEqual(old, want) {
		return nil // an unchanged status is not written again
	}
	if err := c.o.Status.WriteStatus(ctx, obj, want); err != nil {
		return fmt.Errorf("status: %w", err)
	}
	return nil
}

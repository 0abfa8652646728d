package agent

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/fluxcd/pkg/ssa"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/build"
	"github.com/oamgitops/kubectl-gitops/plugin/watch"
)

// Reasons of the Events on Applications.
const (
	ReasonSynced          = "Synced"
	ReasonPruned          = "Pruned"
	ReasonDriftRepaired   = "DriftRepaired"
	ReasonSyncFailed      = "SyncFailed"
	ReasonReconcileFailed = "ReconcileFailed"
)

// observer is the Syncer of one tracked source: it passes each sync on and
// turns its result into metrics and Events on the declaring Applications.
type observer struct {
	watch.Syncer
	c     *Controller
	key   string
	drift bool
	// failed are the sync errors of the current step, already evented.
	failed []error
}

func (o *observer) Sync(ctx context.Context, b *build.Built) (*apply.Result, error) {
	res, err := o.Syncer.Sync(ctx, b)
	if ctx.Err() != nil {
		return res, err // stopping: not the source's doing
	}
	var applied, pruned []string
	if res != nil {
		for _, ch := range res.Changes {
			switch ssa.Action(ch.Action) {
			case ssa.CreatedAction, ssa.ConfiguredAction:
				applied = append(applied, ch.Subject())
			case ssa.DeletedAction:
				pruned = append(pruned, ch.Subject())
			}
		}
	}
	o.c.o.Metrics.observeSync(b.Source.Name, b.Revision, len(applied), len(pruned), err)
	apps := o.c.declarers(o.key)
	switch {
	case err != nil:
		o.failed = append(o.failed, err)
		o.c.event(apps, corev1.EventTypeWarning, ReasonSyncFailed, "%s at %s: %v", b.Source.Name, b.Revision, err)
	case o.drift && len(applied) > 0:
		o.c.event(apps, corev1.EventTypeNormal, ReasonDriftRepaired, "%s at %s: %s", b.Source.Name, b.Revision, list(applied))
	case !o.drift:
		o.c.event(apps, corev1.EventTypeNormal, ReasonSynced, "%s at %s: %s", b.Source.Name, b.Revision, apply.Summary(res.Changes))
	}
	if len(pruned) > 0 {
		o.c.event(apps, corev1.EventTypeNormal, ReasonPruned, "%s: deleted %s", b.Source.Name, list(pruned))
	}
	return res, err
}

// eventStepErrors records the failures of a step that no sync reported
// (a fetch or a build that failed) as Events.
func (c *Controller) eventStepErrors(key string, errs []error, observers ...*observer) {
	var known []error
	for _, o := range observers {
		known = append(known, o.failed...)
		o.failed = nil
	}
	apps := c.declarers(key)
next:
	for _, err := range errs {
		for _, k := range known {
			if errors.Is(err, k) {
				continue next
			}
		}
		c.event(apps, corev1.EventTypeWarning, ReasonReconcileFailed, "%v", err)
	}
}

// declarers are the Applications that declare a source, as last seen.
func (c *Controller) declarers(key string) []*unstructured.Unstructured {
	c.mu.Lock()
	defer c.mu.Unlock()
	tr := c.sources[key]
	if tr == nil {
		return nil
	}
	var out []*unstructured.Unstructured
	for _, app := range slices.Sorted(maps.Keys(tr.apps)) {
		if st := c.apps[app]; st != nil {
			out = append(out, st.obj)
		}
	}
	return out
}

func (c *Controller) event(apps []*unstructured.Unstructured, kind, reason, format string, args ...any) {
	if c.o.Events == nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	for _, app := range apps {
		c.o.Events.Event(app, kind, reason, msg)
	}
}

// list joins subjects, at most ten of them named.
func list(subjects []string) string {
	if len(subjects) <= 10 {
		return strings.Join(subjects, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(subjects[:10], ", "), len(subjects)-10)
}

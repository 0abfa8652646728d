package agent

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/reconcile"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/plugin/status"
)

// Messages of an Application's services (its components) that no sync
// recorded.
const (
	msgWaiting    = "waiting for the first sync"
	msgNotASource = "not synced by the agent: only kustomize components are"
)

// writeStatus writes the status of one Application when it changed.
func (c *Controller) writeStatus(ctx context.Context, key string) error {
	c.mu.Lock()
	st := c.apps[key]
	if st == nil {
		c.mu.Unlock()
		return nil // deleted
	}
	roots, snaps, observed := c.sourcesOf(st)
	if observed {
		st.observed = st.gen
	}
	obj, decl, observedGen := st.obj, st.decl, st.observed
	c.mu.Unlock()

	old, _ := obj.Object["status"].(map[string]any)
	want := applicationStatus(obj, decl.err, roots, snaps, observedGen)
	keepTransitions(want, old, c.o.Clock.Now())
	if reflect.DeepEqual(old, want) {
		return nil // an unchanged status is not written again
	}
	if err := c.o.Status.WriteStatus(ctx, obj, want); err != nil {
		return fmt.Errorf("status: %w", err)
	}
	return nil
}

// applicationStatus is the status of app: KubeVela's status.status and one
// service per component (a kustomize component is healthy when its source's
// last revision synced healthy, with every component it recorded and every
// nested source), the kstatus conditions, observedGeneration, and the last
// applied and attempted revisions.
func applicationStatus(app *unstructured.Unstructured, parseErr error, roots []source.Declaration, snaps map[int]snapshot, observedGen int64) map[string]any {
	byIndex := map[int]source.Declaration{}
	for _, s := range roots {
		byIndex[s.Index] = s
	}
	comps, _, _ := unstructured.NestedSlice(app.Object, "spec", "components")
	phase := status.PhaseRunning
	services := []any{}
	var failing, waiting, unhealthy []string
	var applied, attempted []string
	for i, c := range comps {
		cm, _ := c.(map[string]any)
		name, _ := cm["name"].(string)
		healthy, msg := false, msgNotASource
		s, isSource := byIndex[i]
		snap := snaps[i]
		switch {
		case parseErr != nil:
			msg = parseErr.Error()
		case isSource && snap.err != nil:
			msg = snap.err.Error()
			failing = append(failing, msg)
		case isSource && !snap.stepped:
			msg = msgWaiting
			waiting = append(waiting, s.Name)
		case isSource:
			healthy, msg = sourceHealth(s, snap.records)
			switch {
			case healthy:
			case snap.applied == "":
				waiting = append(waiting, s.Name)
			default:
				unhealthy = append(unhealthy, name+": "+msg)
			}
		}
		if isSource {
			applied = append(applied, revisionOf(len(roots), s, snap.applied))
			attempted = append(attempted, revisionOf(len(roots), s, snap.attempted))
		}
		if !healthy {
			phase = status.PhaseUnhealthy
			if !isSource && parseErr == nil {
				unhealthy = append(unhealthy, name+": "+msg)
			}
		}
		services = append(services, map[string]any{"name": name, "namespace": app.GetNamespace(), "healthy": healthy, "message": msg})
	}
	if parseErr != nil || len(comps) == 0 {
		phase = status.PhaseUnhealthy
	}
	out := map[string]any{"status": phase, "services": services, "observedGeneration": observedGen}
	if s := strings.Join(nonEmpty(applied), ", "); s != "" {
		out["lastAppliedRevision"] = s
	}
	if s := strings.Join(nonEmpty(attempted), ", "); s != "" {
		out["lastAttemptedRevision"] = s
	}
	reconciling := observedGen != app.GetGeneration() || len(waiting) > 0
	out["conditions"] = conditions(app, parseErr, reconciling, failing, waiting, unhealthy, strings.Join(nonEmpty(applied), ", "))
	return out
}

// revisionOf is a source's revision in the status: alone when the
// Application has one source, else after its component's name.
func revisionOf(sources int, s source.Declaration, rev string) string {
	if rev == "" || sources == 1 {
		return rev
	}
	return s.Component + "=" + rev
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// sourceHealth says whether the source and its nested sources synced
// healthy, from their inventory records: the message is the revision, or
// what is not healthy.
func sourceHealth(s source.Declaration, records []apply.InventoryRecord) (bool, string) {
	byInv := map[apply.Inventory]*apply.InventoryRecord{}
	children := map[apply.Inventory][]*apply.InventoryRecord{}
	for i := range records {
		r := &records[i]
		byInv[r.Inventory] = r
		if r.Source != nil && r.Source.Parent != nil {
			children[*r.Source.Parent] = append(children[*r.Source.Parent], r)
		}
	}
	rec := byInv[reconcile.InventoryOf(s)]
	if rec == nil {
		return false, msgWaiting
	}
	problems := sourceProblems(rec, children, map[apply.Inventory]bool{})
	if len(problems) == 0 {
		return true, rec.Revision
	}
	return false, strings.Join(problems, "; ")
}

func sourceProblems(rec *apply.InventoryRecord, children map[apply.Inventory][]*apply.InventoryRecord, seen map[apply.Inventory]bool) []string {
	seen[rec.Inventory] = true
	var problems []string
	if rec.Revision == "" {
		problems = append(problems, status.NoRevision)
	}
	for _, c := range rec.Components {
		if !c.Healthy {
			problems = append(problems, fmt.Sprintf("%s/%s: %s", c.App, c.Component, c.Message))
		}
	}
	for _, child := range children[rec.Inventory] {
		if seen[child.Inventory] {
			continue
		}
		name := child.Inventory.Name
		if child.Source != nil && child.Source.Name != "" {
			name = child.Source.Name
		}
		for _, p := range sourceProblems(child, children, seen) {
			problems = append(problems, name+": "+p)
		}
	}
	return problems
}

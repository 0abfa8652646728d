package cmd

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/reconcile"
	"github.com/oamgitops/kubectl-gitops/plugin/status"
)

// Messages of an Application's services (its components) that no sync
// recorded.
const (
	msgWaiting    = "waiting for the first sync"
	msgNotASource = "not synced by the agent: only kustomize components are"
)

// writeStatuses writes the status of each Application whose status
// changed: status.status (running or unhealthy) and status.services, one
// per component with healthy and a message, as KubeVela shapes them.
func (a *agent) writeStatuses(ctx context.Context, apps []unstructured.Unstructured, roots []reconcile.Source, appErrs map[string]error) error {
	records, err := a.applier.ListInventories(ctx, a.o.appNamespace)
	if err != nil {
		return fmt.Errorf("Application status: %w", err)
	}
	byApp := map[string][]reconcile.Source{}
	for _, r := range roots {
		byApp[r.Namespace+"/"+r.App] = append(byApp[r.Namespace+"/"+r.App], r)
	}
	var errs []error
	for i := range apps {
		app := &apps[i]
		want := applicationStatus(app, byApp[appKeyOf(app)], appErrs[appKeyOf(app)], records)
		if reflect.DeepEqual(app.Object["status"], want) {
			continue // a status unchanged is not written again
		}
		obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": app.GetAPIVersion(), "kind": app.GetKind(),
			"metadata": map[string]any{"name": app.GetName(), "namespace": app.GetNamespace()}, "status": want}}
		_, err := a.apps.Namespace(app.GetNamespace()).ApplyStatus(ctx, app.GetName(), obj,
			metav1.ApplyOptions{FieldManager: apply.FieldManager, Force: true})
		if err != nil {
			errs = append(errs, fmt.Errorf("Application %s: status: %w", appKeyOf(app), err))
		}
	}
	return errors.Join(errs...)
}

// applicationStatus is the status of app: one service per component of
// its spec; a kustomize component is healthy when its source's last
// revision synced healthy, with every component it recorded and every
// nested source. parseErr, when set, is every service's message.
func applicationStatus(app *unstructured.Unstructured, srcs []reconcile.Source, parseErr error, records []apply.InventoryRecord) map[string]any {
	byInv := map[apply.Inventory]*apply.InventoryRecord{}
	children := map[apply.Inventory][]*apply.InventoryRecord{}
	for i := range records {
		r := &records[i]
		byInv[r.Inventory] = r
		if r.Source != nil && r.Source.Parent != nil {
			children[*r.Source.Parent] = append(children[*r.Source.Parent], r)
		}
	}
	byIndex := map[int]reconcile.Source{}
	for _, s := range srcs {
		byIndex[s.Index] = s
	}
	comps, _, _ := unstructured.NestedSlice(app.Object, "spec", "components")
	phase := status.PhaseRunning
	services := []any{}
	for i, c := range comps {
		cm, _ := c.(map[string]any)
		name, _ := cm["name"].(string)
		healthy, msg := false, msgNotASource
		s, isSource := byIndex[i]
		switch {
		case parseErr != nil:
			msg = parseErr.Error()
		case isSource:
			if rec := byInv[s.Inventory()]; rec != nil {
				healthy, msg = sourceHealth(rec, children, map[apply.Inventory]bool{})
			} else {
				msg = msgWaiting
			}
		}
		if !healthy {
			phase = status.PhaseUnhealthy
		}
		services = append(services, map[string]any{"name": name, "namespace": app.GetNamespace(), "healthy": healthy, "message": msg})
	}
	if parseErr != nil || len(comps) == 0 {
		phase = status.PhaseUnhealthy
	}
	return map[string]any{"status": phase, "services": services}
}

// sourceHealth says whether the source rec records and its nested
// sources synced healthy: its message is the revision, or what is not
// healthy.
func sourceHealth(rec *apply.InventoryRecord, children map[apply.Inventory][]*apply.InventoryRecord, seen map[apply.Inventory]bool) (bool, string) {
	problems := sourceProblems(rec, children, seen)
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

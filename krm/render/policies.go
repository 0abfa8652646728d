package render

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/krm/order"
	"github.com/oamgitops/kubectl-gitops/krm/workflow"
)

// LabelCluster names the cluster an object is placed on by a topology
// policy or a step's `cluster`.
const LabelCluster = "app.oam.dev/cluster"

// knownPolicies are KubeVela policy types that steer delivery rather than
// rendering; they are accepted and left to the plugin.
var knownPolicies = map[string]bool{
	"topology": true, "override": true, "garbage-collect": true, "apply-once": true,
	"shared-resource": true, "take-over": true, "read-only": true, "replication": true,
	"resource-update": true, "health": true,
}

// checkPolicies reports policies of unknown types.
func (r *Renderer) checkPolicies(app *oam.Application) error {
	for _, p := range app.Policies {
		field := fmt.Sprintf("spec.policies[%d]", p.Index)
		if _, defined := r.reg.Get(definition.Policy, p.Type); !defined && !knownPolicies[p.Type] {
			if _, err := r.lookup(app, definition.Policy, p.Type, field+".type"); err != nil {
				return err
			}
		}
	}
	return nil
}

// renderPlan renders every selected unit of the Application's workflow
// (KubeVela's default workflow when it has none), then records the order
// between them on the objects and in Result.Plan.
func (r *Renderer) renderPlan(app *oam.Application) (*Result, error) {
	if err := r.checkPolicies(app); err != nil {
		return nil, err
	}
	plan, wwarns, err := workflow.Build(app, workflow.Options{Clusters: r.opts.Clusters, Select: r.opts.Select})
	if err != nil {
		return nil, err
	}
	res := &Result{}
	for _, w := range wwarns {
		res.Warnings = append(res.Warnings, Warning{App: app, Field: w.Field, Message: w.Message})
	}
	if sel := r.opts.Select; !sel.IsZero() && len(plan.Selected()) == 0 {
		res.Warnings = append(res.Warnings, Warning{App: app, Message: selectsNothing(sel, plan)})
	}
	var errs []error
	refs := map[string][]order.ObjectRef{}
	for _, u := range plan.Units {
		if !u.Selected {
			continue
		}
		var objs []Object
		switch u.Kind {
		case workflow.KindApply:
			var warns []Warning
			objs, warns, err = r.renderComponent(app, u.Components, u.Component, u.Placement)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			res.Warnings = append(res.Warnings, warns...)
		case workflow.KindApplyObject:
			objs = []Object{r.applyObject(app, u)}
		}
		for i := range objs {
			objs[i].Unit, objs[i].Cluster = u.ID, u.Placement.Cluster
			refs[u.ID] = append(refs[u.ID], order.RefOf(u.Placement.Cluster, objs[i].Object))
		}
		res.Objects = append(res.Objects, objs...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	deps := order.DependsOn(plan, refs)
	for i := range res.Objects {
		order.Annotate(res.Objects[i].Object, deps[res.Objects[i].Unit])
	}
	if res.Plan, err = order.Build(plan, refs); err != nil {
		return nil, &oam.FieldError{Source: app.Source, Object: app.Ref(), Field: "spec.workflow", Err: err}
	}
	return res, nil
}

// applyObject is an apply-object step's object: in the Application's
// namespace unless it names one, with the Application's name labels.
func (r *Renderer) applyObject(app *oam.Application, u workflow.Unit) Object {
	obj := oam.DeepCopy(u.Object).(map[string]any)
	meta, _ := obj["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		obj["metadata"] = meta
	}
	kind, _ := obj["kind"].(string)
	if ns, _ := meta["namespace"].(string); ns == "" && !clusterScoped[kind] {
		meta["namespace"] = app.Namespace
	}
	labels := stringMap(meta, "labels")
	labels[LabelAppName] = app.Name
	labels[LabelAppNamespace] = app.Namespace
	meta["labels"] = labels
	o := Object{Object: obj, App: app}
	place(&o, u.Placement, r.cluster(u.Placement))
	return o
}

// cluster is the cluster templates see for a placement.
func (r *Renderer) cluster(pl workflow.Placement) string {
	if pl.Labelled {
		return pl.Cluster
	}
	return r.opts.Cluster
}

// placementNamespace is the namespace templates see for a placement.
func placementNamespace(app *oam.Application, pl workflow.Placement) string {
	if pl.Namespace != "" {
		return pl.Namespace
	}
	return app.Namespace
}

// place moves a namespaced object to the placement's namespace and labels
// it with the cluster a topology or step named.
func place(o *Object, pl workflow.Placement, cluster string) {
	meta, _ := o.Object["metadata"].(map[string]any)
	kind, _ := o.Object["kind"].(string)
	if pl.Namespace != "" && !clusterScoped[kind] && !o.clusterScoped {
		meta["namespace"] = pl.Namespace
	}
	if pl.Labelled {
		labels := stringMap(meta, "labels")
		labels[LabelCluster] = cluster
		meta["labels"] = labels
	}
}

// selectsNothing says that a selection (the function config's spec.step,
// spec.topology, spec.cluster) left nothing of an Application, and what
// there was to select.
func selectsNothing(sel workflow.Selection, plan *workflow.Plan) string {
	steps, clusters, topologies := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, u := range plan.Units {
		if u.Step != "" {
			steps[strings.SplitN(u.Step, "/", 2)[0]] = true
		}
		if u.Placement.Cluster != "" {
			clusters[u.Placement.Cluster] = true
		}
		if u.Placement.Topology != "" {
			topologies[u.Placement.Topology] = true
		}
	}
	var parts []string
	for _, f := range []struct{ field, value string }{{"step", sel.Step}, {"topology", sel.Topology}, {"cluster", sel.Cluster}} {
		if f.value != "" {
			parts = append(parts, fmt.Sprintf("spec.%s %q", f.field, f.value))
		}
	}
	list := func(m map[string]bool) string {
		if len(m) == 0 {
			return "none"
		}
		return strings.Join(slices.Sorted(maps.Keys(m)), ", ")
	}
	return fmt.Sprintf("the function config's %s selects nothing of this Application, which renders nothing (its steps: %s; topologies: %s; clusters: %s)",
		strings.Join(parts, " and "), list(steps), list(topologies), list(clusters))
}

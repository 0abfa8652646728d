package render

import (
	"errors"
	"fmt"
	"strings"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
	"github.com/oamgitops/kubectl-gitops/krm/helm"
	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/krm/order"
	"github.com/oamgitops/kubectl-gitops/krm/patch"
	"github.com/oamgitops/kubectl-gitops/krm/workflow"
)

// ClusterVersion is what templates see as context.clusterVersion.
type ClusterVersion struct {
	Major, Minor int
	GitVersion   string
}

// ParseClusterVersion reads "v1.34", "1.34" or "v1.34.2".
func ParseClusterVersion(s string) (ClusterVersion, error) {
	v := strings.TrimPrefix(strings.TrimSpace(s), "v")
	var major, minor, patchN int
	n, _ := fmt.Sscanf(v, "%d.%d.%d", &major, &minor, &patchN)
	if n < 2 || major < 1 {
		return ClusterVersion{}, fmt.Errorf("cluster version %q: expected vMAJOR.MINOR[.PATCH], e.g. v1.34", s)
	}
	return ClusterVersion{Major: major, Minor: minor, GitVersion: fmt.Sprintf("v%d.%d.%d", major, minor, patchN)}, nil
}

// Options steer a render.
type Options struct {
	// ClusterVersion is the Kubernetes version templates target. Default v1.34.0.
	ClusterVersion ClusterVersion
	// Cluster is context.cluster where no topology or step names one.
	// Default "local".
	Cluster string
	// Clusters are the clusters topology policies may name or select by
	// label. Default none: named clusters are taken on trust.
	Clusters []workflow.Cluster
	// Select renders one step, topology or cluster. Default: everything.
	Select workflow.Selection
	// Charts hands the `helm` component (any template setting helmChart)
	// its charts and valuesFrom objects. Default nil: such components fail
	// to render, naming the chart.
	Charts helm.Source
	// Limits bound each Application's evaluation (renderAll applies them).
	// Zero: DefaultLimits.
	Limits Limits
}

// DefaultOptions returns valid options.
func DefaultOptions() Options {
	return Options{ClusterVersion: ClusterVersion{Major: 1, Minor: 34, GitVersion: "v1.34.0"}, Cluster: "local", Limits: DefaultLimits()}
}

// Object is one rendered object and where it came from.
type Object struct {
	Object    map[string]any
	App       *oam.Application
	Component string
	// Trait is the trait type that emitted it, "" for the component's own objects.
	Trait string
	// Resource is the key in the template's `outputs`, "" for the workload.
	Resource string
	// Unit is the workflow unit that rendered it (see krm/workflow).
	Unit string
	// Cluster is the cluster it is applied to.
	Cluster string
	// clusterScoped marks an object whose kind is cluster-scoped though
	// not a built-in one (a chart's own CRD says so): it gets no namespace.
	clusterScoped bool
}

// IsWorkload reports whether the object is the component's workload.
func (o Object) IsWorkload() bool { return o.Resource == "" && o.Trait == "" }

// Ref names the object in messages.
func (o Object) Ref() oam.ObjectRef {
	meta, _ := o.Object["metadata"].(map[string]any)
	s := func(m map[string]any, k string) string { v, _ := m[k].(string); return v }
	return oam.ObjectRef{APIVersion: s(o.Object, "apiVersion"), Kind: s(o.Object, "kind"), Namespace: s(meta, "namespace"), Name: s(meta, "name")}
}

// Warning is a problem that does not stop the render.
type Warning struct {
	App     *oam.Application
	Field   string
	Message string
}

// Result is what one Application rendered to.
type Result struct {
	Objects  []Object
	Warnings []Warning
	// Plan is the apply order: waves of workflow units over Objects.
	Plan *order.Plan
}

// Renderer renders Applications with one registry of definitions. It keeps
// compiled templates; it is not safe for concurrent use.
type Renderer struct {
	reg  *definition.Registry
	opts Options
	eng  *engine
}

// New returns a Renderer.
func New(reg *definition.Registry, opts Options) *Renderer {
	if opts.Cluster == "" {
		opts.Cluster = DefaultOptions().Cluster
	}
	if opts.ClusterVersion.Major == 0 {
		opts.ClusterVersion = DefaultOptions().ClusterVersion
	}
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits()
	}
	return &Renderer{reg: reg, opts: opts, eng: newEngine()}
}

// Render expands one Application. Mistakes in the Application are returned
// as *oam.FieldError values (several joined with errors.Join).
func (r *Renderer) Render(app *oam.Application) (*Result, error) {
	return r.renderPlan(app)
}

func (r *Renderer) baseContext(app *oam.Application, all []oam.Component, c *oam.Component, pl workflow.Placement) map[string]any {
	comps := make([]any, 0, len(all))
	for _, other := range all {
		comps = append(comps, map[string]any{"name": other.Name, "type": other.Type})
	}
	return map[string]any{
		"name":           c.Name,
		"appName":        app.Name,
		"namespace":      placementNamespace(app, pl),
		"appRevision":    "",
		"appRevisionNum": int64(0),
		"revision":       "",
		"appLabels":      stringsToAny(app.Labels),
		"appAnnotations": stringsToAny(app.Annotations),
		"components":     comps,
		"cluster":        r.cluster(pl),
		"clusterVersion": map[string]any{
			"major":      int64(r.opts.ClusterVersion.Major),
			"minor":      int64(r.opts.ClusterVersion.Minor),
			"gitVersion": r.opts.ClusterVersion.GitVersion,
		},
		"componentType":  c.Type,
		"workflowName":   app.Name,
		"publishVersion": "",
		"replicaKey":     "",
	}
}

func stringsToAny(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (r *Renderer) lookup(app *oam.Application, kind definition.Kind, name, field string) (*definition.Definition, error) {
	d, ok := r.reg.Get(kind, name)
	if ok {
		return d, nil
	}
	err := &UnknownTypeError{Kind: kind, Name: name, Nearest: r.reg.Nearest(kind, name), Known: r.reg.Names(kind)}
	return nil, &oam.FieldError{Source: app.Source, Object: app.Ref(), Field: field, Err: err}
}

// UnknownTypeError is a component, trait or policy type with no definition.
type UnknownTypeError struct {
	Kind    definition.Kind
	Name    string
	Nearest string
	Known   []string
}

func (e *UnknownTypeError) Error() string {
	msg := fmt.Sprintf("unknown %s type %q", e.Kind, e.Name)
	if e.Nearest != "" {
		msg += fmt.Sprintf("; did you mean %q?", e.Nearest)
	}
	return msg + fmt.Sprintf(" (known: %s)", strings.Join(e.Known, ", "))
}

// fieldError turns an evaluation failure into field errors on the Application.
func fieldError(app *oam.Application, field string, err error) error {
	mk := func(f string, e error) error {
		return &oam.FieldError{Source: app.Source, Object: app.Ref(), Field: f, Err: e}
	}
	var pe *ParameterError
	if errors.As(err, &pe) {
		var errs []error
		for _, p := range pe.Problems() {
			f := field + ".properties"
			if p.Path != "" {
				f += "." + p.Path
			}
			errs = append(errs, mk(f, fmt.Errorf("%s %q: %s", pe.Definition.Kind, pe.Definition.Name, p.Message)))
		}
		return errors.Join(errs...)
	}
	return mk(field, err)
}

func (r *Renderer) renderComponent(app *oam.Application, all []oam.Component, c *oam.Component, pl workflow.Placement) ([]Object, []Warning, error) {
	def, err := r.lookup(app, definition.Component, c.Type, c.Field()+".type")
	if err != nil {
		return nil, nil, err
	}
	ctx := r.baseContext(app, all, c, pl)
	ev, err := r.eng.eval(site{def: def, field: c.Field(), component: c.Name}, c.Properties, ctx)
	if err != nil {
		return nil, nil, fieldError(app, c.Field(), fmt.Errorf("component %q: %w", c.Name, err))
	}
	var warns []Warning
	warns = unknownWarnings(warns, app, c.Field(), ev)
	workload := ev.Output
	aux := make([]Object, 0, len(ev.Outputs))
	for _, o := range ev.Outputs {
		aux = append(aux, Object{Object: o.Object, App: app, Component: c.Name, Resource: o.Key})
	}
	// at is where the workload goes among the auxiliaries: first, but
	// in its place among a chart's objects when the chart gave it, so the
	// chart's order (CRDs first) holds.
	at := 0
	if ev.Chart != nil {
		w, objs, before, err := r.chartObjects(app, c, ev.Chart, workload != nil)
		if err != nil {
			return nil, nil, fieldError(app, c.Field(), fmt.Errorf("component %q: %w", c.Name, err))
		}
		if workload == nil && w != nil {
			workload, at = w, len(aux)+before
		}
		aux = append(aux, objs...)
	}
	for i := range c.Traits {
		t := &c.Traits[i]
		field := fmt.Sprintf("%s.traits[%d]", c.Field(), i)
		if workload, aux, err = r.applyTrait(app, c, t, field, ctx, workload, aux, &warns); err != nil {
			return nil, nil, err
		}
	}
	objs := make([]Object, 0, len(aux)+1)
	objs = append(objs, aux[:at]...)
	if workload != nil {
		objs = append(objs, Object{Object: workload, App: app, Component: c.Name})
	}
	objs = append(objs, aux[at:]...)
	for i := range objs {
		stamp(&objs[i], app, c)
		place(&objs[i], pl, r.cluster(pl))
	}
	objs, dups := dedupe(app, c, objs)
	return objs, append(warns, dups...), nil
}

// unknownWarnings reports properties the definition does not declare.
func unknownWarnings(warns []Warning, app *oam.Application, field string, ev *evaluation) []Warning {
	for _, u := range ev.Unknown {
		warns = append(warns, Warning{App: app, Field: field + ".properties." + u.Path, Message: u.Message})
	}
	return warns
}

func (r *Renderer) applyTrait(app *oam.Application, c *oam.Component, t *oam.Trait, field string, base map[string]any,
	workload map[string]any, aux []Object, warns *[]Warning) (map[string]any, []Object, error) {
	def, err := r.lookup(app, definition.Trait, t.Type, field+".type")
	if err != nil {
		return nil, nil, err
	}
	ctx := make(map[string]any, len(base)+2)
	for k, v := range base {
		ctx[k] = v
	}
	if workload != nil {
		ctx["output"] = workload
	}
	outputs := make(map[string]any, len(aux))
	for _, a := range aux {
		outputs[a.Resource] = a.Object
	}
	ctx["outputs"] = outputs
	ev, err := r.eng.eval(site{def: def, field: field, component: c.Name}, t.Properties, ctx)
	if err != nil {
		return nil, nil, fieldError(app, field, fmt.Errorf("component %q: %w", c.Name, err))
	}
	*warns = unknownWarnings(*warns, app, field, ev)
	if ev.Patch != nil {
		if workload == nil {
			return nil, nil, fieldError(app, field, fmt.Errorf("component %q: trait %q patches the workload, but the component has none", c.Name, t.Type))
		}
		patched, err := applyPatch(def.PatchStrategy, oam.DeepCopy(workload).(map[string]any), ev.Patch)
		if err != nil {
			return nil, nil, fieldError(app, field, fmt.Errorf("component %q: trait %q cannot patch the workload: %w", c.Name, t.Type, err))
		}
		m, ok := patched.(map[string]any)
		if !ok {
			return nil, nil, fieldError(app, field, fmt.Errorf("component %q: trait %q: the patched workload is not an object", c.Name, t.Type))
		}
		workload = m
	}
	for _, po := range ev.PatchOutputs {
		found := false
		for i := range aux {
			if aux[i].Resource != po.Key {
				continue
			}
			found = true
			patched, err := patch.Apply(oam.DeepCopy(aux[i].Object), po.Patch)
			if err != nil {
				return nil, nil, fieldError(app, field, fmt.Errorf("component %q: trait %q cannot patch output %q: %w", c.Name, t.Type, po.Key, err))
			}
			aux[i].Object, _ = patched.(map[string]any)
		}
		if !found {
			return nil, nil, fieldError(app, field, fmt.Errorf("component %q: trait %q patches output %q, which no earlier definition produced", c.Name, t.Type, po.Key))
		}
	}
	for _, o := range ev.Outputs {
		aux = append(aux, Object{Object: o.Object, App: app, Component: c.Name, Trait: t.Type, Resource: o.Key})
	}
	return workload, aux, nil
}

func applyPatch(strategy string, workload map[string]any, p *patch.Node) (any, error) {
	switch strategy {
	case patch.JSONMergePatchStrategy:
		return patch.MergePatch(workload, p.Plain()), nil
	case patch.JSONPatchStrategy:
		plain, _ := p.Plain().(map[string]any)
		ops, _ := plain["operations"].([]any)
		return patch.JSONPatch(workload, ops)
	}
	return patch.Apply(workload, p)
}

// dedupe keeps one object per kind/namespace/name: the later one, which is
// what applying both would leave, and what kustomize and kpt need (they
// refuse duplicate objects). Each drop is a warning naming both sources.
func dedupe(app *oam.Application, c *oam.Component, objs []Object) ([]Object, []Warning) {
	var warns []Warning
	last := map[string]int{}
	keys := make([]string, len(objs))
	for i, o := range objs {
		ref := o.Ref()
		keys[i] = ref.Kind + "/" + ref.Namespace + "/" + ref.Name
		if prev, dup := last[keys[i]]; dup {
			warns = append(warns, Warning{App: app, Field: c.Field(), Message: fmt.Sprintf(
				"component %q renders %s twice: from %s and from %s; only the later is kept, as applying both would leave it",
				c.Name, ref, origin(objs[prev]), origin(o))})
		}
		last[keys[i]] = i
	}
	if len(warns) == 0 {
		return objs, nil
	}
	kept := make([]Object, 0, len(last))
	for i, o := range objs {
		if last[keys[i]] == i {
			kept = append(kept, o)
		}
	}
	return kept, warns
}

func origin(o Object) string {
	switch {
	case o.IsWorkload():
		return "the workload"
	case o.Trait == "":
		return fmt.Sprintf("the component's output %q", o.Resource)
	}
	return fmt.Sprintf("trait %q (output %q)", o.Trait, o.Resource)
}

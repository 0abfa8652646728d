package workflow

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/krm/override"
)

// Kind is what a unit does.
type Kind string

// Unit kinds.
const (
	// KindApply applies one component's objects in one placement.
	KindApply Kind = "apply"
	// KindApplyObject applies the object of an apply-object step.
	KindApplyObject Kind = "apply-object"
	// KindSuspend pauses for a duration, or until resumed when it has none.
	KindSuspend Kind = "suspend"
	// KindApproval waits for approval: a deploy step with `auto: false`.
	KindApproval Kind = "approval"
	// KindDependsOnApp waits for another Application to be healthy.
	KindDependsOnApp Kind = "depends-on-app"
)

// Unit is one thing the workflow does.
type Unit struct {
	// ID is unique in the plan.
	ID   string
	Kind Kind
	// Step is the step's name; sub-steps read "group/sub".
	Step string
	// Component is the component to render (KindApply), overrides applied.
	Component *oam.Component
	// Components are the components of the same deploy, for context.components.
	Components []oam.Component
	Placement  Placement
	// Object is the object of an apply-object step.
	Object map[string]any
	// Duration is a suspend step's duration, "" for "until resumed".
	Duration string
	// App and AppNamespace name the Application a depends-on-app step waits for.
	App, AppNamespace string
	// Parallelism is a deploy step's parallelism, 0 for unlimited.
	Parallelism int
	// After are the IDs of the units that must complete first.
	After []string
	// Selected is false for units left out by Options.Select.
	Selected bool
}

// Plan is an Application's workflow as units.
type Plan struct {
	Units []Unit
	// StepMode and SubStepMode are StepByStep or DAG.
	StepMode, SubStepMode string
	// Generated is true when the steps are KubeVela's default workflow.
	Generated bool
}

// Selection picks part of a plan; empty fields select everything.
type Selection struct {
	Step     string `json:"step,omitempty" yaml:"step,omitempty"`
	Topology string `json:"topology,omitempty" yaml:"topology,omitempty"`
	Cluster  string `json:"cluster,omitempty" yaml:"cluster,omitempty"`
}

// IsZero reports a selection of everything.
func (s Selection) IsZero() bool { return s == Selection{} }

// Options steer Build.
type Options struct {
	// Clusters are the clusters topologies may name or select. Default
	// none: named clusters are taken on trust and label selectors match
	// nothing.
	Clusters []Cluster
	// Select keeps part of the plan. Default: every unit.
	Select Selection
}

// Warning does not stop the build.
type Warning struct {
	Field   string
	Message string
}

// Build turns the Application's policies and workflow into a plan. Errors
// are *oam.FieldError values naming the field at fault.
func Build(app *oam.Application, opts Options) (*Plan, []Warning, error) {
	b := &builder{app: app, opts: opts, policies: map[string]oam.Policy{}, warned: map[Warning]bool{}, ids: map[string]bool{}}
	plan, err := b.build()
	if err != nil {
		var fe *oam.FieldError
		if errors.As(err, &fe) {
			fe.Source, fe.Object = app.Source, app.Ref()
			return nil, nil, fe
		}
		return nil, nil, &oam.FieldError{Source: app.Source, Object: app.Ref(), Err: err}
	}
	return plan, b.warns, nil
}

// ferr makes a field error from "field: message".
func ferr(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	field, rest, found := strings.Cut(msg, ": ")
	if !found {
		return &oam.FieldError{Err: errors.New(msg)}
	}
	return &oam.FieldError{Field: field, Err: errors.New(rest)}
}

type builder struct {
	app      *oam.Application
	opts     Options
	policies map[string]oam.Policy
	units    []Unit
	warns    []Warning
	warned   map[Warning]bool
	ids      map[string]bool
}

func (b *builder) build() (*Plan, error) {
	for _, p := range b.app.Policies {
		b.policies[p.Name] = p
	}
	if err := checkComponents(b.app.Components); err != nil {
		return nil, err
	}
	list, stepMode, subMode, gen, err := steps(b.app)
	if err != nil {
		return nil, ferr("%v", err)
	}
	if err := check(list, gen); err != nil {
		return nil, ferr("%v", err)
	}
	if _, err := b.level(list, stepMode, subMode, nil, ""); err != nil {
		return nil, err
	}
	b.selectUnits()
	return &Plan{Units: b.units, StepMode: stepMode, SubStepMode: subMode, Generated: gen}, nil
}

// checkComponents reports dependsOn naming unknown components, and cycles.
func checkComponents(comps []oam.Component) error {
	deps := map[string][]string{}
	var order []string
	for _, c := range comps {
		deps[c.Name] = c.DependsOn
		order = append(order, c.Name)
	}
	for _, c := range comps {
		for i, d := range c.DependsOn {
			if _, ok := deps[d]; !ok {
				known := append([]string{}, order...)
				sort.Strings(known)
				return ferr("%s.dependsOn[%d]: component %q does not exist (components: %s)", c.Field(), i, d, strings.Join(known, ", "))
			}
		}
	}
	if cyc := findCycle(order, deps); cyc != nil {
		return ferr("spec.components: components depend on each other in a cycle: %s", strings.Join(cyc, " → "))
	}
	return nil
}

// level expands the steps of one level; before are the units every step of
// the level waits for. It returns the units that complete the level.
func (b *builder) level(list []step, mode, subMode string, before []string, prefix string) ([]string, error) {
	byName := map[string]int{}
	for i, s := range list {
		byName[s.Name] = i
	}
	exits := make([][]string, len(list))
	doneStep := make([]bool, len(list))
	dependedOn := make([]bool, len(list))
	var visit func(i int) error
	visit = func(i int) error {
		if doneStep[i] {
			return nil
		}
		s := list[i]
		var preds []int
		if mode == ModeStepByStep && i > 0 {
			preds = append(preds, i-1)
		}
		for _, d := range s.DependsOn {
			preds = append(preds, byName[d])
		}
		after := append([]string{}, before...)
		for _, p := range preds {
			if err := visit(p); err != nil {
				return err
			}
			dependedOn[p] = true
			after = appendNew(after, exits[p]...)
		}
		ids, err := b.step(s, prefix, subMode, after)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			ids = after
		}
		exits[i], doneStep[i] = ids, true
		return nil
	}
	for i := range list {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	var out []string
	for i := range list {
		if !dependedOn[i] {
			out = appendNew(out, exits[i]...)
		}
	}
	if len(list) == 0 {
		return before, nil
	}
	return out, nil
}

func appendNew(list []string, more ...string) []string {
	for _, m := range more {
		found := false
		for _, l := range list {
			found = found || l == m
		}
		if !found {
			list = append(list, m)
		}
	}
	return list
}

func (b *builder) add(u Unit) string {
	base, n := u.ID, 1
	for b.ids[u.ID] {
		n++
		u.ID = fmt.Sprintf("%s#%d", base, n)
	}
	b.ids[u.ID] = true
	b.units = append(b.units, u)
	return u.ID
}

func (b *builder) warn(w Warning) {
	if !b.warned[w] {
		b.warned[w] = true
		b.warns = append(b.warns, w)
	}
}

// selectUnits marks the units Options.Select keeps. A waiting unit (suspend,
// approval, depends-on-app) is kept with the step it belongs to.
func (b *builder) selectUnits() {
	sel := b.opts.Select
	stepKept := map[string]bool{}
	for i := range b.units {
		u := &b.units[i]
		u.Selected = (sel.Step == "" || u.Step == sel.Step || strings.HasPrefix(u.Step, sel.Step+"/")) &&
			(sel.Cluster == "" || (u.Kind == KindApply || u.Kind == KindApplyObject) && u.Placement.Cluster == sel.Cluster) &&
			(sel.Topology == "" || u.Kind == KindApply && u.Placement.Topology == sel.Topology)
		if u.Selected {
			stepKept[u.Step] = true
		}
	}
	if sel.Cluster == "" && sel.Topology == "" {
		return
	}
	for i := range b.units {
		u := &b.units[i]
		if u.Kind != KindApply && u.Kind != KindApplyObject && stepKept[u.Step] {
			u.Selected = true
		}
	}
}

// Selected returns the selected units.
func (p *Plan) Selected() []Unit {
	var out []Unit
	for _, u := range p.Units {
		if u.Selected {
			out = append(out, u)
		}
	}
	return out
}

// applyOverrides applies override policies to components in order, keeping
// the warnings (once each).
func (b *builder) applyOverrides(comps []oam.Component, pols []oam.Policy) ([]oam.Component, error) {
	for _, p := range pols {
		if p.Type != override.Type {
			continue
		}
		parsed, err := override.Parse(p.Name, p.Properties, fmt.Sprintf("spec.policies[%d]", p.Index))
		if err != nil {
			return nil, ferr("%v", err)
		}
		var ws []override.Warning
		comps, ws, err = parsed.Apply(comps)
		for _, w := range ws {
			b.warn(Warning{Field: w.Field, Message: w.Message})
		}
		if err != nil {
			return nil, ferr("%v", err)
		}
	}
	return comps, nil
}

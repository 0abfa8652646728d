package workflow

import (
	"fmt"
	"sort"
	"strings"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/krm/override"
)

// step expands one step into units that wait for after; it returns the
// units that complete the step.
func (b *builder) step(s step, prefix, subMode string, after []string) ([]string, error) {
	name := prefix + s.Name
	if s.If != "" {
		b.warn(Warning{Field: s.field + ".if", Message: fmt.Sprintf("step %q: `if: %s` is not evaluated offline; the step is planned as if it holds", name, s.If)})
	}
	props := s.Properties
	switch s.Type {
	case StepDeploy:
		return b.deploy(s, name, after)
	case StepApplyComponent:
		comp, err := propString(props, "component", s.field, true)
		if err != nil {
			return nil, err
		}
		c := findComponent(b.app.Components, comp)
		if c == nil {
			return nil, ferr("%s.properties.component: component %q does not exist (components: %s)", s.field, comp, componentNames(b.app.Components))
		}
		pl, err := b.stepPlacement(s)
		if err != nil {
			return nil, err
		}
		return []string{b.add(Unit{ID: unitID(name, pl, c.Name), Kind: KindApply, Step: name, Component: c,
			Components: b.app.Components, Placement: pl, After: after})}, nil
	case StepApplyObject:
		obj, ok := props["value"].(map[string]any)
		if !ok {
			return nil, ferr("%s.properties.value: an apply-object step needs the object to apply", s.field)
		}
		pl, err := b.stepPlacement(s)
		if err != nil {
			return nil, err
		}
		return []string{b.add(Unit{ID: unitID(name, pl, ""), Kind: KindApplyObject, Step: name,
			Object: oam.DeepCopy(obj).(map[string]any), Placement: pl, After: after})}, nil
	case StepSuspend:
		d, err := propString(props, "duration", s.field, false)
		if err != nil {
			return nil, err
		}
		return []string{b.add(Unit{ID: name, Kind: KindSuspend, Step: name, Duration: d, After: after})}, nil
	case StepDependsOnApp:
		app, err := propString(props, "name", s.field, true)
		if err != nil {
			return nil, err
		}
		ns, err := propString(props, "namespace", s.field, false)
		if err != nil {
			return nil, err
		}
		if ns == "" {
			ns = b.app.Namespace
		}
		return []string{b.add(Unit{ID: name, Kind: KindDependsOnApp, Step: name, App: app, AppNamespace: ns, After: after})}, nil
	case StepGroup:
		mode := subMode
		if s.Mode != "" {
			mode = s.Mode
		}
		if mode != ModeStepByStep && mode != ModeDAG {
			return nil, ferr("%s.mode: %q is not a workflow mode (StepByStep or DAG)", s.field, mode)
		}
		return b.level(s.subs, mode, subMode, after, name+"/")
	}
	return nil, ferr("%s.type: step type %q is not supported", s.field, s.Type)
}

// deploy expands a deploy step: the named policies in order (override
// policies patch the components, topology policies add placements), every
// component in every placement, component dependsOn within a placement.
func (b *builder) deploy(s step, name string, after []string) ([]string, error) {
	props := s.Properties
	var pols []oam.Policy
	if raw, ok := props["policies"]; ok && raw != nil {
		list, isList := raw.([]any)
		if !isList {
			return nil, ferr("%s.properties.policies: expected a list of policy names", s.field)
		}
		for i, v := range list {
			pname, _ := v.(string)
			p, found := b.policies[pname]
			if !found {
				return nil, ferr("%s.properties.policies[%d]: policy %q does not exist (policies: %s)", s.field, i, pname, b.policyNames())
			}
			pols = append(pols, p)
		}
	}
	inline, _ := props["inlinePolicies"].([]any)
	for i, v := range inline {
		m, _ := v.(map[string]any)
		typ, _ := m["type"].(string)
		pname, _ := m["name"].(string)
		if pname == "" {
			pname = fmt.Sprintf("inline-%s-policy-%d", typ, i)
		}
		pp, _ := m["properties"].(map[string]any)
		pols = append(pols, oam.Policy{Name: pname, Type: typ, Properties: pp, Index: -1})
	}
	parallelism := 0
	if v, ok := props["parallelism"]; ok && v != nil {
		n, isInt := asInt(v)
		if !isInt || n < 0 {
			return nil, ferr("%s.properties.parallelism: expected a non-negative integer", s.field)
		}
		parallelism = n
	}
	if v, ok := props["auto"]; ok && v != nil {
		auto, isBool := v.(bool)
		if !isBool {
			return nil, ferr("%s.properties.auto: expected bool", s.field)
		}
		if !auto {
			after = []string{b.add(Unit{ID: name + "/approval", Kind: KindApproval, Step: name, After: after})}
		}
	}
	comps, err := b.applyOverrides(b.app.Components, pols)
	if err != nil {
		return nil, err
	}
	var placements []Placement
	seen := map[string]bool{}
	hasTopology := false
	for _, p := range pols {
		field := policyField(p, s.field)
		switch p.Type {
		case TopologyType:
			hasTopology = true
			t, err := parseTopology(p.Name, p.Properties, field)
			if err != nil {
				return nil, ferr("%v", err)
			}
			pls, err := t.placements(b.opts.Clusters, field)
			if err != nil {
				return nil, ferr("%v", err)
			}
			for _, pl := range pls {
				if !seen[pl.key()] {
					seen[pl.key()] = true
					placements = append(placements, pl)
				}
			}
		case override.Type:
		default:
			b.warn(Warning{Field: field + ".type", Message: fmt.Sprintf("deploy step %q: policy %q of type %q is not applied when rendering", name, p.Name, p.Type)})
		}
	}
	if !hasTopology {
		placements = []Placement{{Cluster: LocalCluster}}
	}
	var out []string
	for _, pl := range placements {
		ids := map[string]string{}
		for i := range comps {
			ids[comps[i].Name] = unitID(name, pl, comps[i].Name)
		}
		for i := range comps {
			c := &comps[i]
			deps := append([]string{}, after...)
			for _, d := range c.DependsOn {
				if id, ok := ids[d]; ok {
					deps = append(deps, id)
				}
			}
			out = append(out, b.add(Unit{ID: ids[c.Name], Kind: KindApply, Step: name, Component: c, Components: comps,
				Placement: pl, Parallelism: parallelism, After: deps}))
		}
	}
	return out, nil
}

func policyField(p oam.Policy, stepField string) string {
	if p.Index < 0 {
		return stepField + ".properties.inlinePolicies"
	}
	return fmt.Sprintf("spec.policies[%d]", p.Index)
}

// stepPlacement reads an apply-component or apply-object step's cluster
// and namespace.
func (b *builder) stepPlacement(s step) (Placement, error) {
	cluster, err := propString(s.Properties, "cluster", s.field, false)
	if err != nil {
		return Placement{}, err
	}
	ns, err := propString(s.Properties, "namespace", s.field, false)
	if err != nil {
		return Placement{}, err
	}
	pl := Placement{Cluster: LocalCluster, Namespace: ns, Labelled: cluster != ""}
	if cluster != "" {
		if b.opts.Clusters != nil && cluster != LocalCluster && !hasCluster(b.opts.Clusters, cluster) {
			return pl, ferr("%s.properties.cluster: cluster %q is not in the function config's spec.clusters (known: %s)", s.field, cluster, clusterNames(b.opts.Clusters))
		}
		pl.Cluster = cluster
	}
	return pl, nil
}

func unitID(step string, pl Placement, comp string) string {
	id := step + "@" + pl.Cluster
	if pl.Namespace != "" {
		id += "/" + pl.Namespace
	}
	if comp != "" {
		id += ":" + comp
	}
	return id
}

func propString(props map[string]any, key, field string, required bool) (string, error) {
	v, ok := props[key]
	if !ok || v == nil {
		if required {
			return "", ferr("%s.properties.%s: is required", field, key)
		}
		return "", nil
	}
	s, isStr := v.(string)
	if !isStr || (required && s == "") {
		return "", ferr("%s.properties.%s: expected a non-empty string", field, key)
	}
	return s, nil
}

func asInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case float64:
		return int(n), n == float64(int(n))
	}
	return 0, false
}

func findComponent(comps []oam.Component, name string) *oam.Component {
	for i := range comps {
		if comps[i].Name == name {
			c := comps[i]
			return &c
		}
	}
	return nil
}

func componentNames(comps []oam.Component) string {
	names := make([]string, len(comps))
	for i, c := range comps {
		names[i] = c.Name
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (b *builder) policyNames() string {
	var names []string
	for n := range b.policies {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

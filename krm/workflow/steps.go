package workflow

import (
	"fmt"
	"sort"
	"strings"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/krm/override"
)

// Step types this package honours.
const (
	StepDeploy         = "deploy"
	StepApplyComponent = "apply-component"
	StepApplyObject    = "apply-object"
	StepSuspend        = "suspend"
	StepGroup          = "step-group"
	StepDependsOnApp   = "depends-on-app"
)

// Workflow modes.
const (
	ModeStepByStep = "StepByStep"
	ModeDAG        = "DAG"
)

var supported = []string{StepApplyComponent, StepApplyObject, StepDependsOnApp, StepDeploy, StepGroup, StepSuspend}

// step is a workflow step with its field path.
type step struct {
	oam.WorkflowStep
	field string
	subs  []step
}

// steps returns the Application's steps, generated as KubeVela's default
// workflow when none are given, and the step and sub-step modes.
func steps(app *oam.Application) ([]step, string, string, bool, error) {
	stepMode, subMode := ModeDAG, ModeDAG
	var given []oam.WorkflowStep
	if wf := app.Workflow; wf != nil {
		if wf.Ref != "" {
			return nil, "", "", false, fmt.Errorf("spec.workflow.ref: workflow %q is a Workflow object that cannot be read offline; put its steps in spec.workflow.steps", wf.Ref)
		}
		stepMode = ModeStepByStep
		if wf.Mode.Steps != "" {
			stepMode = wf.Mode.Steps
		}
		if wf.Mode.SubSteps != "" {
			subMode = wf.Mode.SubSteps
		}
		for _, m := range []struct{ field, v string }{{"spec.workflow.mode.steps", stepMode}, {"spec.workflow.mode.subSteps", subMode}} {
			if m.v != ModeStepByStep && m.v != ModeDAG {
				return nil, "", "", false, fmt.Errorf("%s: %q is not a workflow mode (StepByStep or DAG)", m.field, m.v)
			}
		}
		given = wf.Steps
	}
	if len(given) > 0 {
		out := make([]step, len(given))
		for i, s := range given {
			out[i] = step{WorkflowStep: s, field: fmt.Sprintf("spec.workflow.steps[%d]", i)}
			for j, sub := range s.SubSteps {
				out[i].subs = append(out[i].subs, step{WorkflowStep: sub, field: fmt.Sprintf("%s.subSteps[%d]", out[i].field, j)})
			}
		}
		return out, stepMode, subMode, false, nil
	}
	return generated(app), stepMode, subMode, true, nil
}

// generated is KubeVela's default workflow.
func generated(app *oam.Application) []step {
	var topologies, overrides []string
	for _, p := range app.Policies {
		switch p.Type {
		case TopologyType:
			topologies = append(topologies, p.Name)
		case override.Type:
			overrides = append(overrides, p.Name)
		}
	}
	var out []step
	deploy := func(name string, policies []string) {
		list := make([]any, len(policies))
		for i, p := range policies {
			list[i] = p
		}
		out = append(out, step{WorkflowStep: oam.WorkflowStep{Name: name, Type: StepDeploy,
			Properties: map[string]any{"policies": list}}, field: "spec.policies"})
	}
	for _, t := range topologies {
		deploy("deploy-"+t, append(append([]string{}, overrides...), t))
	}
	if len(out) > 0 {
		return out
	}
	refObjects := false
	for _, c := range app.Components {
		refObjects = refObjects || c.Type == "ref-objects"
	}
	if len(overrides) > 0 || refObjects {
		deploy("deploy", overrides)
		return out
	}
	for _, c := range app.Components {
		out = append(out, step{WorkflowStep: oam.WorkflowStep{Name: c.Name, Type: StepApplyComponent,
			Properties: map[string]any{"component": c.Name}, DependsOn: c.DependsOn}, field: c.Field()})
	}
	return out
}

// check validates step names, types and dependsOn references, and reports
// a cycle among the steps of one level.
func check(all []step, generatedSteps bool) error {
	seen := map[string]string{}
	var walk func(list []step, nested bool) error
	walk = func(list []step, nested bool) error {
		for _, s := range list {
			if s.Name == "" {
				return fmt.Errorf("%s.name: is required", s.field)
			}
			if prev, dup := seen[s.Name]; dup {
				return fmt.Errorf("%s.name: step %q is also defined at %s; step names must be unique", s.field, s.Name, prev)
			}
			seen[s.Name] = s.field
			if !isSupported(s.Type) {
				return fmt.Errorf("%s.type: step type %q is not supported (supported: %s)", s.field, s.Type, strings.Join(supported, ", "))
			}
			if s.Type == StepGroup {
				if nested {
					return fmt.Errorf("%s.type: a step-group cannot hold another step-group", s.field)
				}
				if err := walk(s.subs, true); err != nil {
					return err
				}
			} else if len(s.subs) > 0 {
				return fmt.Errorf("%s.subSteps: only a step-group has sub-steps", s.field)
			}
		}
		return nil
	}
	if err := walk(all, false); err != nil {
		return err
	}
	var deps func(list []step) error
	deps = func(list []step) error {
		names := map[string]bool{}
		for _, s := range list {
			names[s.Name] = true
		}
		for _, s := range list {
			for i, d := range s.DependsOn {
				if !names[d] {
					if generatedSteps {
						return fmt.Errorf("%s.dependsOn[%d]: component %q does not exist (components: %s)", s.field, i, d, nameList(list))
					}
					return fmt.Errorf("%s.dependsOn[%d]: step %q does not exist at this level (steps: %s)", s.field, i, d, nameList(list))
				}
			}
			if err := deps(s.subs); err != nil {
				return err
			}
		}
		if cyc := cycle(list); cyc != nil {
			what := "steps"
			if generatedSteps {
				what = "components"
			}
			return fmt.Errorf("%s: %s depend on each other in a cycle: %s", parentField(list[0].field), what, strings.Join(cyc, " → "))
		}
		return nil
	}
	return deps(all)
}

func isSupported(t string) bool {
	for _, s := range supported {
		if s == t {
			return true
		}
	}
	return false
}

func nameList(list []step) string {
	names := make([]string, len(list))
	for i, s := range list {
		names[i] = s.Name
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// cycle returns the names on a dependsOn cycle among list, first name
// repeated at the end, or nil.
func cycle(list []step) []string {
	deps := map[string][]string{}
	for _, s := range list {
		deps[s.Name] = s.DependsOn
	}
	return findCycle(names(list), deps)
}

func names(list []step) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.Name
	}
	return out
}

// findCycle runs a depth-first search over deps in the order of nodes.
func findCycle(nodes []string, deps map[string][]string) []string {
	const (
		unvisited = iota
		active
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(n string) []string
	visit = func(n string) []string {
		switch state[n] {
		case active:
			for i, s := range stack {
				if s == n {
					return append(append([]string{}, stack[i:]...), n)
				}
			}
		case done:
			return nil
		}
		state[n] = active
		stack = append(stack, n)
		for _, d := range deps[n] {
			if _, known := deps[d]; !known {
				continue
			}
			if c := visit(d); c != nil {
				return c
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
		return nil
	}
	for _, n := range nodes {
		if c := visit(n); c != nil {
			return c
		}
	}
	return nil
}

// parentField is "spec.workflow.steps" for "spec.workflow.steps[2]".
func parentField(field string) string {
	if i := strings.LastIndex(field, "["); i > 0 {
		return field[:i]
	}
	return field
}

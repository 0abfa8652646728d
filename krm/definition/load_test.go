package definition_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
)

func TestLoadCUE(t *testing.T) {
	src := `import "strings"

mytrait: {
	type: "trait"
	description: "adds a label"
	attributes: {
		appliesToWorkloads: ["deployments.apps"]
		podDisruptive: true
		status: healthPolicy: "isHealth: true"
	}
}
template: {
	// +patchStrategy=jsonMergePatch
	patch: metadata: labels: x: strings.ToLower(parameter.v)
	parameter: v: string
}
`
	d, err := definition.LoadCUE("defs/mytrait.cue", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := struct {
		Name, Description, Health, Strategy string
		Kind                                definition.Kind
		AppliesTo                           []string
		Disruptive                          bool
	}{d.Name, d.Description, d.HealthPolicy, d.PatchStrategy, d.Kind, d.AppliesTo, d.PodDisruptive}
	want := struct {
		Name, Description, Health, Strategy string
		Kind                                definition.Kind
		AppliesTo                           []string
		Disruptive                          bool
	}{"mytrait", "adds a label", "isHealth: true", "jsonMergePatch", definition.Trait, []string{"deployments.apps"}, true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLoadCUEErrors(t *testing.T) {
	tests := map[string]struct{ src, want string }{
		"syntax error":     {"x: {", "defs/x.cue:"},
		"no template":      {`x: {type: "trait"}`, `definition "x" has no template`},
		"no header":        {`template: {}`, "no definition header"},
		"unknown type":     {"x: {type: \"gadget\"}\ntemplate: {}", `unknown definition type "gadget"`},
		"two headers":      {"x: {type: \"trait\"}\ny: {type: \"trait\"}\ntemplate: {}", "more than one definition header"},
		"template not obj": {"x: {type: \"trait\"}\ntemplate: 1", "template of \"x\" must be a struct"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := definition.LoadCUE("defs/x.cue", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestFromObject(t *testing.T) {
	n, err := yaml.Parse(`apiVersion: core.oam.dev/v1beta1
kind: ComponentDefinition
metadata:
  name: mycomp
  annotations:
    definition.oam.dev/description: my component
spec:
  workload:
    definition: {apiVersion: apps/v1, kind: Deployment}
    type: deployments.apps
  status:
    healthPolicy: "isHealth: true"
  schematic:
    cue:
      template: |
        output: {apiVersion: "apps/v1", kind: "Deployment"}
        parameter: {}
`)
	if err != nil {
		t.Fatal(err)
	}
	if !definition.IsObject(n) {
		t.Fatal("IsObject = false")
	}
	d, err := definition.FromObject("defs/mycomp.yaml", n)
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != definition.Component || d.Name != "mycomp" || d.Description != "my component" || d.Workload.Kind != "Deployment" || d.HealthPolicy != "isHealth: true" {
		t.Errorf("unexpected definition: %+v", d)
	}
}

func TestFromObjectNeedsCUE(t *testing.T) {
	n, _ := yaml.Parse("apiVersion: core.oam.dev/v1beta1\nkind: TraitDefinition\nmetadata: {name: t}\nspec: {}\n")
	if _, err := definition.FromObject("t.yaml", n); err == nil || !strings.Contains(err.Error(), "spec.schematic.cue.template is required") {
		t.Fatalf("error = %v", err)
	}
}

func TestRegistry(t *testing.T) {
	reg := definition.NewRegistry()
	reg.Add(&definition.Definition{Name: "webservice", Kind: definition.Component}, &definition.Definition{Name: "worker", Kind: definition.Component})
	if got := reg.Nearest(definition.Component, "websevice"); got != "webservice" {
		t.Errorf("Nearest = %q", got)
	}
	if got := reg.Nearest(definition.Component, "zzzzzzzz"); got != "" {
		t.Errorf("Nearest of nonsense = %q", got)
	}
	override := &definition.Definition{Name: "worker", Kind: definition.Component, Description: "mine"}
	clone := reg.Clone()
	clone.Add(override)
	if d, _ := reg.Get(definition.Component, "worker"); d.Description == "mine" {
		t.Error("Clone shares state with the original")
	}
	if d, _ := clone.Get(definition.Component, "worker"); d != override {
		t.Error("a later definition does not replace the built-in")
	}
}

func TestContextUse(t *testing.T) {
	tests := map[string]struct {
		template string
		uses     []string
		notUses  []string
	}{
		"selectors and index": {
			template: `output: {name: context.name, ns: context["namespace"], x: "\(context.appName)"}`,
			uses:     []string{"name", "namespace", "appName"},
			notUses:  []string{"output", "components"},
		},
		"nested selector counts the first field": {
			template: `if context.output.spec != _|_ {x: 1}`,
			uses:     []string{"output"},
			notUses:  []string{"outputs"},
		},
		"dynamic label": {
			template: `outputs: {(context.name + "-svc"): {}}`,
			uses:     []string{"name"},
		},
		"whole context": {
			template: `_c: context`,
			uses:     []string{"output", "anything"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d, err := definition.LoadCUE("x.cue", []byte("x: {type: \"trait\"}\ntemplate: {\n"+tc.template+"\n}\n"))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range tc.uses {
				if !d.Context.Uses(f) {
					t.Errorf("Uses(%q) = false", f)
				}
			}
			for _, f := range tc.notUses {
				if d.Context.Uses(f) {
					t.Errorf("Uses(%q) = true", f)
				}
			}
		})
	}
}

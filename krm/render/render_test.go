package render_test

import (
	"errors"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/krm/render"
)

const svcDef = `
svc: {type: "component", description: "test"}
template: {
	output: {
		apiVersion: "apps/v1"
		kind: "Deployment"
		spec: {
			replicas: parameter.replicas
			template: spec: containers: [{name: context.name, image: parameter.image}]
		}
	}
	parameter: {
		image: string
		replicas: *1 | int
		policy?: "Always" | "Never"
	}
}
`

const failDef = `
fail: {type: "trait"}
template: {
	errs: ["always fails for \(context.name)"]
	parameter: {}
}
`

const badPatchDef = `
badpatch: {type: "trait"}
template: {
	patch: spec: replicas: 7
	parameter: {}
}
`

func registry(t *testing.T) *definition.Registry {
	t.Helper()
	reg := definition.NewRegistry()
	for name, src := range map[string]string{"svc.cue": svcDef, "fail.cue": failDef, "badpatch.cue": badPatchDef} {
		d, err := definition.LoadCUE(name, []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		reg.Add(d)
	}
	return reg
}

func app(t *testing.T, components string) *oam.Application {
	t.Helper()
	n, err := yaml.Parse("apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: shop, namespace: web}\nspec:\n  components:\n" + components)
	if err != nil {
		t.Fatal(err)
	}
	_ = n.PipeE(yaml.SetAnnotation(kioutil.PathAnnotation, "apps/shop.yaml"))
	a, err := oam.Parse(n)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestRenderErrors(t *testing.T) {
	tests := map[string]struct {
		components string
		want       []string
	}{
		"unknown component type suggests the nearest": {
			"    - {name: a, type: svx, properties: {image: x}}\n",
			[]string{`apps/shop.yaml: Application web/shop: spec.components[0].type: unknown component type "svx"; did you mean "svc"? (known: svc)`},
		},
		"unknown trait type": {
			"    - {name: a, type: svc, properties: {image: x}, traits: [{type: scalr}]}\n",
			[]string{`spec.components[0].traits[0].type: unknown trait type "scalr"`},
		},
		"missing required property": {
			"    - {name: a, type: svc}\n",
			[]string{`spec.components[0].properties.image: component "svc": is required (string)`},
		},
		"wrong type": {
			"    - {name: a, type: svc, properties: {image: x, replicas: \"two\"}}\n",
			[]string{`spec.components[0].properties.replicas: component "svc": expected int, got string "two"`},
		},
		"value outside an enum": {
			"    - {name: a, type: svc, properties: {image: x, policy: Sometimes}}\n",
			[]string{`spec.components[0].properties.policy: component "svc": expected one of "Always" | "Never", got string "Sometimes"`},
		},
		"template errs": {
			"    - {name: a, type: svc, properties: {image: x}, traits: [{type: fail}]}\n",
			[]string{`spec.components[0].traits[0]: component "a": trait "fail": always fails for a`},
		},
		"patch conflict names trait, component and field": {
			"    - {name: a, type: svc, properties: {image: x, replicas: 2}, traits: [{type: badpatch}]}\n",
			[]string{`spec.components[0].traits[0]: component "a": trait "badpatch" cannot patch the workload: spec.replicas: conflicting values 2 (current) and 7 (patch)`},
		},
		"every broken component is reported": {
			"    - {name: a, type: svc}\n    - {name: b, type: nope}\n",
			[]string{`spec.components[0].properties.image`, `spec.components[1].type: unknown component type "nope"`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := render.New(registry(t), render.DefaultOptions())
			_, err := r.Render(app(t, tc.components))
			if err == nil {
				t.Fatal("expected an error")
			}
			var fe *oam.FieldError
			if !errors.As(err, &fe) {
				t.Errorf("error is not a *oam.FieldError: %T", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), "_|_") {
				t.Errorf("error leaks a raw CUE dump: %v", err)
			}
		})
	}
}

func TestRenderContract(t *testing.T) {
	r := render.New(registry(t), render.DefaultOptions())
	res, err := r.Render(app(t, "    - {name: api, type: svc, properties: {image: x}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Objects) != 1 {
		t.Fatalf("got %d objects", len(res.Objects))
	}
	obj := res.Objects[0].Object
	meta := obj["metadata"].(map[string]any)
	labels := meta["labels"].(map[string]any)
	for k, v := range map[string]string{"app.oam.dev/name": "shop", "app.oam.dev/component": "api", "workload.oam.dev/type": "svc", "app.oam.dev/resourceType": "WORKLOAD"} {
		if labels[k] != v {
			t.Errorf("label %s = %v, want %s", k, labels[k], v)
		}
	}
	if meta["name"] != "api" || meta["namespace"] != "web" {
		t.Errorf("name/namespace = %v/%v", meta["name"], meta["namespace"])
	}
	if spec := obj["spec"].(map[string]any); spec["replicas"] != int64(1) {
		t.Errorf("default replicas = %#v", spec["replicas"])
	}
}

package render_test

import (
	"testing"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
	"github.com/oamgitops/kubectl-gitops/krm/render"
)

// A property set to null reaches the template as null (not as top, which
// CUE's Go encoder would make of it and which no `string | null` accepts).
func TestRenderNullProperty(t *testing.T) {
	const src = `
nulls: {type: "component"}
template: {
	output: {
		apiVersion: "v1"
		kind: "ConfigMap"
		data: {for k, v in parameter if v != null {(k): v}}
		metadata: annotations: {for k, v in parameter if v == null {(k): "was null"}}
	}
	parameter: [string]: string | null
}
`
	d, err := definition.LoadCUE("nulls.cue", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	reg := definition.NewRegistry()
	reg.Add(d)
	res, err := render.New(reg, render.DefaultOptions()).Render(app(t, "    - {name: a, type: nulls, properties: {keep: x, drop: null}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	obj := res.Objects[0].Object
	if data := obj["data"].(map[string]any); len(data) != 1 || data["keep"] != "x" {
		t.Errorf("data = %v, want only keep: x", data)
	}
	ann := obj["metadata"].(map[string]any)["annotations"].(map[string]any)
	if ann["drop"] != "was null" {
		t.Errorf("annotations = %v, want drop: was null", ann)
	}
}

package override_test

import (
	"fmt"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/krm/override"
)

func ExamplePolicy_Apply() {
	pol, _ := override.Parse("prod", map[string]any{
		"components": []any{map[string]any{
			"name":       "api",
			"properties": map[string]any{"cpu": "1"},
			"traits":     []any{map[string]any{"type": "scaler", "properties": map[string]any{"replicas": int64(5)}}},
		}},
	}, "spec.policies[0]")
	comps, warns, _ := pol.Apply([]oam.Component{
		{Name: "api", Type: "webservice", Properties: map[string]any{"image": "api:1"}},
		{Name: "api-canary", Type: "webservice", Properties: map[string]any{"image": "api:2"}},
	})
	for _, c := range comps {
		fmt.Println(c.Name, c.Properties, len(c.Traits))
	}
	fmt.Println(len(warns), "warning")
	// Output:
	// api map[cpu:1 image:api:1] 1
	// api-canary map[cpu:1 image:api:2] 1
	// 1 warning
}

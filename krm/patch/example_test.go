package patch_test

import (
	"fmt"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	"github.com/oamgitops/kubectl-gitops/krm/patch"
)

// A sidecar patch keyed by container name: the app container merges, the
// new one is appended.
func ExampleApply() {
	v := cuecontext.New().CompileString(`spec: {
	// +patchKey=name
	containers: [{name: "app", env: [{name: "MODE", value: "prod"}]}, {name: "proxy", image: "envoy"}]
}`)
	p, _ := patch.FromSyntax(v.Syntax(cue.Final(), cue.Concrete(true), cue.Docs(true)))
	base := map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "app", "image": "web:1"}}}}
	out, err := patch.Apply(base, p)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range out.(map[string]any)["spec"].(map[string]any)["containers"].([]any) {
		fmt.Println(c)
	}
	// Output:
	// map[env:[map[name:MODE value:prod]] image:web:1 name:app]
	// map[image:envoy name:proxy]
}

func ExampleMergePatch() {
	base := map[string]any{"labels": map[string]any{"tier": "web", "old": "x"}}
	fmt.Println(patch.MergePatch(base, map[string]any{"labels": map[string]any{"old": nil, "team": "a"}}))
	// Output: map[labels:map[team:a tier:web]]
}

package render_test

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/krm/render"
)

func ExampleRenderer_Render() {
	def, _ := definition.LoadCUE("greeting.cue", []byte(`
greeting: type: "component"
template: {
	output: {apiVersion: "v1", kind: "ConfigMap", data: msg: "hello \(parameter.who)"}
	parameter: who: string
}
`))
	reg := definition.NewRegistry()
	reg.Add(def)
	n, _ := yaml.Parse(`apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: hello, namespace: demo}
spec:
  components:
    - {name: greeter, type: greeting, properties: {who: world}}
`)
	app, _ := oam.Parse(n)
	res, err := render.New(reg, render.DefaultOptions()).Render(app)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range res.Objects {
		meta := o.Object["metadata"].(map[string]any)
		fmt.Println(o.Ref(), o.Object["data"], meta["labels"].(map[string]any)["workload.oam.dev/type"])
	}
	// Output: ConfigMap demo/greeter map[msg:hello world] greeting
}

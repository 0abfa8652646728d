package oam_test

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
)

func ExampleParse() {
	n, _ := yaml.Parse(`apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: my-app}
spec:
  components:
    - name: my-server
      type: webservice
      properties: {image: "nginx", port: "8088"}
`)
	app, err := oam.Parse(n)
	if err != nil {
		fmt.Println(err)
		return
	}
	c := app.Components[0]
	fmt.Println(app.Namespace, c.Name, c.Type, c.Field(), c.Properties["port"])
	// Output: default my-server webservice spec.components[0] 8088
}

func ExampleFromJSON() {
	v, err := oam.FromJSON([]byte(`{"replicas": 3, "cpu": 0.5}`))
	if err != nil {
		panic(err)
	}
	m := v.(map[string]any)
	fmt.Printf("%T %T\n", m["replicas"], m["cpu"])
	// Output: int64 float64
}

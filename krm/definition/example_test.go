package definition_test

import (
	"fmt"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
)

func ExampleLoadCUE() {
	d, err := definition.LoadCUE("defs/greeting.cue", []byte(`
greeting: {
	type: "component"
	description: "A ConfigMap that says hello"
}
template: {
	output: {apiVersion: "v1", kind: "ConfigMap", data: msg: "hello \(context.name)"}
	parameter: {}
}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Kind, d.Name, d.Description, d.Context.Uses("name"), d.Context.Uses("output"))
	// Output: component greeting A ConfigMap that says hello true false
}

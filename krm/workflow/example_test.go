package workflow_test

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/krm/workflow"
)

func ExampleBuild() {
	n := yaml.MustParse(`apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: shop}
spec:
  components:
    - {name: web, type: webservice, properties: {image: web}}
  policies:
    - {name: prod, type: topology, properties: {clusterLabelSelector: {env: prod}, namespace: shop}}
`)
	app, _ := oam.Parse(n)
	plan, _, _ := workflow.Build(app, workflow.Options{Clusters: []workflow.Cluster{
		{Name: "eu", Labels: map[string]string{"env": "prod"}},
		{Name: "dev", Labels: map[string]string{"env": "dev"}},
	}})
	for _, u := range plan.Units {
		fmt.Println(u.Step, u.Component.Name, u.Placement.Cluster, u.Placement.Namespace)
	}
	// Output:
	// deploy-prod web eu shop
}

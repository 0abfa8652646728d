package order_test

import (
	"fmt"

	"github.com/oamgitops/kubectl-gitops/krm/order"
	"github.com/oamgitops/kubectl-gitops/krm/workflow"
)

func ExampleBuild() {
	p := &workflow.Plan{Units: []workflow.Unit{
		{ID: "db", Kind: workflow.KindApply, Selected: true, Placement: workflow.Placement{Cluster: "local"}},
		{ID: "approve", Kind: workflow.KindApproval, Selected: true, After: []string{"db"}},
		{ID: "web", Kind: workflow.KindApply, Selected: true, Placement: workflow.Placement{Cluster: "local"}, After: []string{"approve"}},
	}}
	objs := map[string][]order.ObjectRef{
		"db":  {{Cluster: "local", Kind: "ConfigMap", Namespace: "default", Name: "db"}},
		"web": {{Cluster: "local", Group: "apps", Kind: "Deployment", Namespace: "default", Name: "web"}},
	}
	plan, _ := order.Build(p, objs)
	for i, w := range plan.Waves {
		for _, it := range w.Items {
			fmt.Println(i, it.Unit, it.Kind, it.Waits())
		}
	}
	fmt.Println(order.Format(order.DependsOn(p, objs)["web"]))
	// Output:
	// 0 db apply false
	// 1 approve approval true
	// 2 web apply false
	// /namespaces/default/ConfigMap/db
}

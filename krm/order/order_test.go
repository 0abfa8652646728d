package order_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/krm/order"
	"github.com/oamgitops/kubectl-gitops/krm/workflow"
)

func TestRefFormat(t *testing.T) {
	tests := map[string]struct {
		obj  map[string]any
		want string
	}{
		"core namespaced": {obj: map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "x", "namespace": "default"}}, want: "/namespaces/default/Service/x"},
		"grouped":         {obj: map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "d", "namespace": "n"}}, want: "apps/namespaces/n/Deployment/d"},
		"cluster-scoped":  {obj: map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": map[string]any{"name": "r"}}, want: "rbac.authorization.k8s.io/ClusterRole/r"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := order.RefOf("local", tc.obj).String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAnnotateKeepsExisting(t *testing.T) {
	obj := map[string]any{"metadata": map[string]any{"annotations": map[string]any{order.Annotation: "/namespaces/a/ConfigMap/c"}}}
	order.Annotate(obj, []order.ObjectRef{{Kind: "Secret", Namespace: "a", Name: "s"}, {Kind: "ConfigMap", Namespace: "a", Name: "c"}})
	got := obj["metadata"].(map[string]any)["annotations"].(map[string]any)[order.Annotation]
	if want := "/namespaces/a/ConfigMap/c,/namespaces/a/Secret/s"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func ref(cluster, name string) order.ObjectRef {
	return order.ObjectRef{Cluster: cluster, Group: "apps", Kind: "Deployment", Namespace: "n", Name: name}
}

// plan: a (c1) → gate → b (c2) → c (c1); d (c1) unselected after c; e after d.
func testPlan() (*workflow.Plan, map[string][]order.ObjectRef) {
	u := func(id string, kind workflow.Kind, cluster string, selected bool, after ...string) workflow.Unit {
		return workflow.Unit{ID: id, Kind: kind, Step: id, Placement: workflow.Placement{Cluster: cluster}, Selected: selected, After: after}
	}
	p := &workflow.Plan{Units: []workflow.Unit{
		u("a", workflow.KindApply, "c1", true),
		u("gate", workflow.KindSuspend, "", true, "a"),
		u("b", workflow.KindApply, "c2", true, "gate"),
		u("c", workflow.KindApply, "c1", true, "b"),
		u("d", workflow.KindApply, "c1", false, "c"),
		u("e", workflow.KindApply, "c1", true, "d"),
	}}
	objs := map[string][]order.ObjectRef{"a": {ref("c1", "a")}, "b": {ref("c2", "b")}, "c": {ref("c1", "c")}, "e": {ref("c1", "e")}}
	return p, objs
}

func TestDependsOn(t *testing.T) {
	p, objs := testPlan()
	got := order.DependsOn(p, objs)
	want := map[string][]order.ObjectRef{
		// b is in another cluster than a: nothing to annotate.
		// c looks through b (other cluster) and the gate to a.
		"c": {ref("c1", "a")},
		// e looks through d, which is not selected.
		"e": {ref("c1", "c")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestBuildWaves(t *testing.T) {
	p, objs := testPlan()
	plan, err := order.Build(p, objs)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, w := range plan.Waves {
		var ids []string
		for _, it := range w.Items {
			id := it.Unit
			if it.Waits() {
				id += " (waits)"
			}
			ids = append(ids, id)
		}
		got = append(got, ids)
	}
	want := [][]string{{"a"}, {"gate (waits)"}, {"b"}, {"c"}, {"e"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("waves (-want +got):\n%s", diff)
	}
}

func TestBuildCycle(t *testing.T) {
	p := &workflow.Plan{Units: []workflow.Unit{
		{ID: "x", Kind: workflow.KindApply, Selected: true, After: []string{"y"}},
		{ID: "y", Kind: workflow.KindApply, Selected: true, After: []string{"x"}},
	}}
	_, err := order.Build(p, nil)
	var ce *order.CycleError
	if !errors.As(err, &ce) || !cmp.Equal(ce.Units, []string{"x", "y"}) {
		t.Errorf("error %v, want a cycle naming x and y", err)
	}
}

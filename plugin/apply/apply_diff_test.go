package apply

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/ssa"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// diffActions maps each diff's subject to its action.
func diffActions(diffs []ObjectDiff) map[string]string {
	out := map[string]string{}
	for _, d := range diffs {
		out[d.Subject] = string(d.Action)
	}
	return out
}

// Diff's prune list is what the Apply of the same objects and options
// prunes: members in the inventory's namespace, in another namespace and
// cluster-scoped, not those whose pruning is disabled.
func TestDiffPrunesWhatApplyPrunes(t *testing.T) {
	ns, other := env.NewNamespace(t), env.NewNamespace(t)
	ctx := testContext(t)
	a, _ := newTestApplier(t)
	opts := testOptions(ns)
	role := "diff-" + ns
	clusterRole := "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: " + role + "}\nrules: []\n"
	first := append(configMaps(t, ns, "a", "gone", "keep"), configMaps(t, other, "elsewhere")...)
	first = append(first, objectsFromYAML(t, clusterRole)...)
	if _, err := a.Apply(ctx, first, opts); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Client.RbacV1().ClusterRoles().Delete(ctx, role, metav1.DeleteOptions{}) })
	disablePrune(t, ns, "keep")

	second := configMaps(t, ns, "a", "new")
	second[0].Object["data"] = map[string]any{"name": "a, changed"}
	diffs, err := a.Diff(ctx, second, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"ConfigMap/" + ns + "/a":            "configured",
		"ConfigMap/" + ns + "/new":          "created",
		"ConfigMap/" + ns + "/gone":         "deleted",
		"ConfigMap/" + other + "/elsewhere": "deleted",
		"ClusterRole/" + role:               "deleted",
	}
	if d := cmp.Diff(want, diffActions(diffs)); d != "" {
		t.Errorf("diff (-want +got):\n%s", d)
	}
	noPrune := opts
	noPrune.Prune = false
	kept, err := a.Diff(ctx, second, noPrune)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range kept {
		if d.Action == ssa.DeletedAction {
			t.Errorf("without prune the diff lists %s deleted", d.Subject)
		}
	}
	var diffPruned []string
	for _, d := range diffs {
		if d.Action == ssa.DeletedAction {
			diffPruned = append(diffPruned, d.Subject)
		}
	}

	cs, err := a.Apply(ctx, second, opts)
	if err != nil {
		t.Fatal(err)
	}
	var applyPruned []string
	for subject, action := range actions(cs) {
		if action == string(ssa.DeletedAction) {
			applyPruned = append(applyPruned, subject)
		}
	}
	sort.Strings(applyPruned)
	if d := cmp.Diff(diffPruned, applyPruned); d != "" {
		t.Errorf("diff's prune list (-) against what apply pruned (+):\n%s", d)
	}
	diffs, err = a.Diff(ctx, second, opts)
	if err != nil || len(diffs) != 0 {
		t.Errorf("diff right after the apply: %v, %+v; want nothing", err, diffActions(diffs))
	}
}

// A diff refuses what the apply would refuse, with the same error.
func TestDiffRefusesWhatApplyRefuses(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := testContext(t)
	a, _ := newTestApplier(t)
	opts := testOptions(ns)
	if _, err := a.Diff(ctx, nil, opts); !errors.Is(err, ErrEmptySet) {
		t.Errorf("empty set: %v, want ErrEmptySet", err)
	}
	if _, err := env.Client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "inventory"}, Data: map[string]string{"someone": "else"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, applyErr := a.Apply(ctx, configMaps(t, ns, "a"), opts)
	_, diffErr := a.Diff(ctx, configMaps(t, ns, "a"), opts)
	if applyErr == nil || diffErr == nil || applyErr.Error() != diffErr.Error() || !strings.Contains(diffErr.Error(), "not the parent") {
		t.Errorf("a parent of another ApplySet: apply %v, diff %v; want the same refusal", applyErr, diffErr)
	}
	if _, err := a.Diff(ctx, configMaps(t, ns, "a"), ApplyOptions{Inventory: Inventory{Kind: "Pod", Namespace: ns, Name: "x"}}); err == nil {
		t.Error("an inventory of kind Pod: no error")
	}
}

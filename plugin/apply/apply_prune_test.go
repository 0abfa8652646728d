package apply

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func liveConfigMaps(t *testing.T, ns string) []string {
	t.Helper()
	list, err := env.Client.CoreV1().ConfigMaps(ns).List(testContext(t), metav1.ListOptions{LabelSelector: ApplySetPartOfLabel})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, cm := range list.Items {
		names = append(names, cm.Name)
	}
	sort.Strings(names)
	return names
}

// disablePrune annotates the live ConfigMap ns/name so that no prune
// deletes it.
func disablePrune(t *testing.T, ns, name string) {
	t.Helper()
	ctx := testContext(t)
	cm, err := env.Client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Annotations[PruneAnnotation] = PruneDisabled
	if _, err := env.Client.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestApplyPrunes(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := testContext(t)
	a, _ := newTestApplier(t)
	opts := testOptions(ns)
	if _, err := a.Apply(ctx, configMaps(t, ns, "a", "b", "keep"), opts); err != nil {
		t.Fatal(err)
	}
	disablePrune(t, ns, "keep")

	cs, err := a.Apply(ctx, configMaps(t, ns, "a"), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"ConfigMap/" + ns + "/a":    "unchanged",
		"ConfigMap/" + ns + "/b":    "deleted",
		"ConfigMap/" + ns + "/keep": "skipped",
	}
	if diff := cmp.Diff(want, actions(cs)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a", "keep"}, liveConfigMaps(t, ns)); diff != "" {
		t.Errorf("members left (-want +got):\n%s", diff)
	}

	parent, err := env.Client.CoreV1().ConfigMaps(ns).Get(ctx, "inventory", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantMeta := map[string]string{
		"label " + ApplySetIDLabel:                   ApplySetID(opts.Inventory),
		"annotation " + ApplySetToolingAnnotation:    "kubectl-gitops/v0.0.0-test",
		"annotation " + ApplySetGroupKindsAnnotation: "ConfigMap",
		"annotation " + ApplySetNamespacesAnnotation: "",
	}
	gotMeta := map[string]string{
		"label " + ApplySetIDLabel:                   parent.Labels[ApplySetIDLabel],
		"annotation " + ApplySetToolingAnnotation:    parent.Annotations[ApplySetToolingAnnotation],
		"annotation " + ApplySetGroupKindsAnnotation: parent.Annotations[ApplySetGroupKindsAnnotation],
		"annotation " + ApplySetNamespacesAnnotation: parent.Annotations[ApplySetNamespacesAnnotation],
	}
	if diff := cmp.Diff(wantMeta, gotMeta); diff != "" {
		t.Errorf("inventory (-want +got):\n%s", diff)
	}
}

func TestApplyRefusesEmptySet(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := testContext(t)
	a, counter := newTestApplier(t)
	opts := testOptions(ns)
	if _, err := a.Apply(ctx, configMaps(t, ns, "a"), opts); err != nil {
		t.Fatal(err)
	}
	counter.take()
	if _, err := a.Apply(ctx, nil, opts); !errors.Is(err, ErrEmptySet) {
		t.Fatalf("empty apply: error = %v, want ErrEmptySet", err)
	}
	if writes := counter.take(); len(writes) != 0 {
		t.Errorf("refused apply wrote: %v", writes)
	}
	if diff := cmp.Diff([]string{"a"}, liveConfigMaps(t, ns)); diff != "" {
		t.Errorf("after refused empty apply (-want +got):\n%s", diff)
	}
	opts.AllowEmpty = true
	if _, err := a.Apply(ctx, nil, opts); err != nil {
		t.Fatal(err)
	}
	if got := liveConfigMaps(t, ns); len(got) != 0 {
		t.Errorf("after allowed empty apply: %v left, want none", got)
	}
}

// kubectl itself must read the set: given the same parent, it must find
// our parent and see who manages it; and for a parent it creates itself, it
// must compute the id ApplySetID computes.
func TestKubectlReadsApplySet(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := testContext(t)
	a, _ := newTestApplier(t)
	if _, err := a.Apply(ctx, configMaps(t, ns, "a"), testOptions(ns)); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "cm.yaml")
	if err := os.WriteFile(file, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	kubectl := func(parent string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, env.Binaries.Kubectl, "--kubeconfig", env.Kubeconfig, "-n", ns,
			"apply", "--server-side", "--prune", "--applyset=configmaps/"+parent, "-f", file)
		cmd.Env = append(os.Environ(), "KUBECTL_APPLYSET=true")
		return cmd.CombinedOutput()
	}
	out, err := kubectl("inventory")
	if err == nil {
		t.Fatalf("kubectl took over a kubectl-gitops ApplySet:\n%s", out)
	}
	if !strings.Contains(string(out), `managed by tooling "kubectl-gitops"`) {
		t.Errorf("kubectl did not recognise the set as managed by kubectl-gitops:\n%s", out)
	}

	if out, err := kubectl("by-kubectl"); err != nil {
		t.Fatalf("kubectl apply: %v\n%s", err, out)
	}
	parent, err := env.Client.CoreV1().ConfigMaps(ns).Get(ctx, "by-kubectl", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := parent.Labels[ApplySetIDLabel], ApplySetID(Inventory{Kind: "ConfigMap", Namespace: ns, Name: "by-kubectl"}); got != want {
		t.Errorf("kubectl's id %q, ApplySetID %q", got, want)
	}
}

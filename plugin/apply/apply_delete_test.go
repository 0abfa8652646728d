package apply

import (
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// chain is a Deployment db, a ConfigMap that depends on it and a Secret
// that depends on the ConfigMap.
func chain(t *testing.T, ns string) []*unstructured.Unstructured {
	return objectsFromYAML(t, deployment("db", ns, "")+fmt.Sprintf(`
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: after-db
  namespace: %[1]s
  annotations: {config.kubernetes.io/depends-on: apps/namespaces/%[1]s/Deployment/db}
---
apiVersion: v1
kind: Secret
metadata:
  name: last
  namespace: %[1]s
  annotations: {config.kubernetes.io/depends-on: /namespaces/%[1]s/ConfigMap/after-db}
`, ns))
}

// deleteRecorder records the objects deleted, in order, and whether the
// objects that depend on each were already gone when its delete was sent.
type deleteRecorder struct {
	mu      sync.Mutex
	deleted []string
}

func (d *deleteRecorder) record(t *testing.T, ns string) func(*http.Request) {
	dependents := map[string]func() error{
		"deployments/db":      func() error { return getErr(t, ns, "configmaps", "after-db") },
		"configmaps/after-db": func() error { return getErr(t, ns, "secrets", "last") },
	}
	return func(req *http.Request) {
		if req.Method != http.MethodDelete || req.URL.Query().Has("dryRun") {
			return
		}
		name := path.Base(path.Dir(req.URL.Path)) + "/" + path.Base(req.URL.Path)
		entry := name
		if check := dependents[name]; check != nil {
			if err := check(); !apierrors.IsNotFound(err) {
				entry += fmt.Sprintf(" (a dependent is still there: %v)", err)
			}
		}
		d.mu.Lock()
		d.deleted = append(d.deleted, entry)
		d.mu.Unlock()
	}
}

func getErr(t *testing.T, ns, resource, name string) error {
	ctx := testContext(t)
	var err error
	switch resource {
	case "configmaps":
		_, err = env.Client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	case "secrets":
		_, err = env.Client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	}
	return err
}

func TestPruneInReverseOrder(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := testContext(t)
	a, counter := newTestApplier(t)
	opts := testOptions(ns)
	if _, err := a.Apply(ctx, append(chain(t, ns), configMaps(t, ns, "stays")...), opts); err != nil {
		t.Fatal(err)
	}
	rec := &deleteRecorder{}
	counter.onWrite = rec.record(t, ns)
	if _, err := a.Apply(ctx, configMaps(t, ns, "stays"), opts); err != nil {
		t.Fatal(err)
	}
	want := []string{"secrets/last", "configmaps/after-db", "deployments/db"}
	if diff := cmp.Diff(want, rec.deleted); diff != "" {
		t.Errorf("deletes (-want +got):\n%s", diff)
	}
}

func TestDelete(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := testContext(t)
	a, counter := newTestApplier(t)
	opts := testOptions(ns)
	objects := append(chain(t, ns), configMaps(t, ns, "kept")...)
	objects[len(objects)-1].SetAnnotations(map[string]string{PruneAnnotation: PruneDisabled})
	if _, err := a.Apply(ctx, objects, opts); err != nil {
		t.Fatal(err)
	}
	rec := &deleteRecorder{}
	counter.onWrite = rec.record(t, ns)
	dopts := DefaultDeleteOptions()
	dopts.PollInterval = opts.PollInterval
	cs, err := a.Delete(ctx, opts.Inventory, dopts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"secrets/last", "configmaps/after-db", "deployments/db", "configmaps/inventory"}
	if diff := cmp.Diff(want, rec.deleted); diff != "" {
		t.Errorf("deletes (-want +got):\n%s", diff)
	}
	wantActions := map[string]string{
		"Secret/" + ns + "/last":         "deleted",
		"ConfigMap/" + ns + "/after-db":  "deleted",
		"Deployment/" + ns + "/db":       "deleted",
		"ConfigMap/" + ns + "/kept":      "skipped",
		"ConfigMap/" + ns + "/inventory": "deleted",
	}
	if diff := cmp.Diff(wantActions, actions(cs)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if _, err := env.Client.CoreV1().ConfigMaps(ns).Get(ctx, "kept", metav1.GetOptions{}); err != nil {
		t.Errorf("ConfigMap kept (prune disabled): %v", err)
	}
	if _, err := a.ReadInventory(ctx, opts.Inventory); !errors.Is(err, ErrNoInventory) {
		t.Errorf("ReadInventory after Delete: %v, want ErrNoInventory", err)
	}
	if _, err := a.Delete(ctx, opts.Inventory, dopts); !errors.Is(err, ErrNoInventory) || !strings.Contains(err.Error(), "inventory ConfigMap/"+ns+"/inventory") {
		t.Errorf("second Delete: %v, want ErrNoInventory naming the inventory", err)
	}
}

func TestListInventories(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := testContext(t)
	a, _ := newTestApplier(t)
	for _, name := range []string{"b", "a"} {
		opts := testOptions(ns)
		opts.Inventory.Name = name
		opts.Revision = "rev-" + name
		if _, err := a.Apply(ctx, configMaps(t, ns, "cm-"+name), opts); err != nil {
			t.Fatal(err)
		}
	}
	// A ConfigMap kubectl made the parent of its own ApplySet is not ours.
	foreign := objectsFromYAML(t, fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: foreign, namespace: %s, labels: {%s: x}, annotations: {%s: kubectl/v1.36}}\n",
		ns, ApplySetIDLabel, ApplySetToolingAnnotation))[0]
	if _, err := a.applyObjects(ctx, []*unstructured.Unstructured{foreign}); err != nil {
		t.Fatal(err)
	}
	recs, err := a.ListInventories(ctx, ns)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.Inventory.Kind+"/"+r.Inventory.Name+" "+r.Revision+" "+strings.Join(r.GroupKinds, ","))
		if r.Created.IsZero() || r.Tooling != "kubectl-gitops/v0.0.0-test" {
			t.Errorf("%s: created %v, tooling %q", r.Inventory.Name, r.Created, r.Tooling)
		}
	}
	if diff := cmp.Diff([]string{"ConfigMap/a rev-a ConfigMap", "ConfigMap/b rev-b ConfigMap"}, got); diff != "" {
		t.Errorf("inventories (-want +got):\n%s", diff)
	}
}

package apply

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxcd/pkg/ssa"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

func actions(cs *ssa.ChangeSet) map[string]string {
	out := map[string]string{}
	for _, e := range cs.Entries {
		out[e.Subject] = string(e.Action)
	}
	return out
}

func configMaps(t *testing.T, ns string, names ...string) []*unstructured.Unstructured {
	var docs []string
	for _, n := range names {
		docs = append(docs, fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: %s}\ndata: {name: %s}\n", n, ns, n))
	}
	return objectsFromYAML(t, strings.Join(docs, "\n---\n"))
}

func deployment(name, ns, extra string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: %[1]s, namespace: %[2]s}
spec:
  replicas: 1
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s}}
    spec:
      containers:
      - {name: app, image: registry.example/app:1}
%[3]s`, name, ns, extra)
}

func TestApplyCRDAndCustomResource(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := testContext(t)
	a, _ := newTestApplier(t)
	group := ns + ".test.oamgitops.dev"
	objects := objectsFromYAML(t, fmt.Sprintf(`
apiVersion: example.%[1]s/v1
kind: Widget
metadata: {name: w, namespace: %[2]s}
spec: {size: 3}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.%[1]s}
spec:
  group: example.%[1]s
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
`, group, ns))
	dyn := dynamic.NewForConfigOrDie(env.RESTConfig)
	crds := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	t.Cleanup(func() { _ = dyn.Resource(crds).Delete(ctx, "widgets.example."+group, metav1.DeleteOptions{}) })

	cs, err := a.Apply(ctx, objects, testOptions(ns))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"CustomResourceDefinition/widgets.example." + group: "created",
		"Widget/" + ns + "/w":                               "created",
	}
	if diff := cmp.Diff(want, actions(cs)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	w, err := dyn.Resource(schema.GroupVersionResource{Group: "example." + group, Version: "v1", Resource: "widgets"}).
		Namespace(ns).Get(ctx, "w", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if size, _, _ := unstructured.NestedInt64(w.Object, "spec", "size"); size != 3 {
		t.Errorf("spec.size = %d, want 3", size)
	}
}

// The second wave must not be written before the first is healthy: at the
// moment the ConfigMap that depends on the Deployment is applied, the
// Deployment must already be Available.
func TestApplyWaitsForWave(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := testContext(t)
	a, counter := newTestApplier(t)
	var mu sync.Mutex
	var seen []string
	counter.onWrite = func(req *http.Request) {
		if req.Method != http.MethodPatch || !strings.HasSuffix(req.URL.Path, "/configmaps/after-db") || req.URL.Query().Has("dryRun") {
			return
		}
		d, err := env.Client.AppsV1().Deployments(ns).Get(ctx, "db", metav1.GetOptions{})
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			seen = append(seen, err.Error())
			return
		}
		seen = append(seen, fmt.Sprintf("available=%v", deploymentAvailable(d)))
	}
	objects := objectsFromYAML(t, deployment("db", ns, "")+"\n---\n"+fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata:
  name: after-db
  namespace: %s
  annotations: {config.kubernetes.io/depends-on: apps/namespaces/%s/Deployment/db}
`, ns, ns))
	if _, err := a.Apply(ctx, objects, testOptions(ns)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"available=true"}, seen); diff != "" {
		t.Errorf("Deployment db when ConfigMap after-db was applied (-want +got):\n%s", diff)
	}
}

func deploymentAvailable(d *appsv1.Deployment) bool {
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentAvailable {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func TestApplyNotHealthyNamesObject(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := testContext(t)
	a, _ := newTestApplier(t)
	objects := objectsFromYAML(t, deployment("stuck", ns, "      nodeSelector: {no-such-node: \"true\"}\n")+
		"\n---\n"+fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: later\n  namespace: %s\n  annotations: {config.kubernetes.io/depends-on: apps/namespaces/%s/Deployment/stuck}\n", ns, ns))
	opts := testOptions(ns)
	opts.WaveTimeout = 5 * time.Second
	_, err := a.Apply(ctx, objects, opts)
	var nh *NotHealthyError
	if !errors.As(err, &nh) {
		t.Fatalf("error = %v, want a NotHealthyError", err)
	}
	if len(nh.Objects) != 1 || nh.Objects[0].Subject != "Deployment/"+ns+"/stuck" || nh.Objects[0].Status != "InProgress" || nh.Objects[0].Message == "" {
		t.Errorf("not healthy: %+v, want Deployment/%s/stuck InProgress with a message", nh.Objects, ns)
	}
	t.Logf("error: %v", err)
	if _, err := env.Client.CoreV1().ConfigMaps(ns).Get(ctx, "later", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("ConfigMap later of the next wave: err = %v, want not found", err)
	}
}

func TestApplyTwiceWritesNothing(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := testContext(t)
	a, counter := newTestApplier(t)
	objects := objectsFromYAML(t, deployment("web", ns, "")+fmt.Sprintf(`
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: %[1]s}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Secret
metadata: {name: web, namespace: %[1]s}
data: {token: c2VjcmV0}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web, namespace: %[1]s, labels: {tier: front}}
data: {mode: prod}
`, ns))
	if _, err := a.Apply(ctx, objects, testOptions(ns)); err != nil {
		t.Fatal(err)
	}
	if len(counter.take()) == 0 {
		t.Fatal("first apply sent no writes: the counter does not see requests")
	}
	cs, err := a.Apply(ctx, objects, testOptions(ns))
	if err != nil {
		t.Fatal(err)
	}
	if writes := counter.take(); len(writes) != 0 {
		t.Errorf("second apply sent %d write requests, want 0:\n%s", len(writes), strings.Join(writes, "\n"))
	}
	for _, e := range cs.Entries {
		if e.Action != ssa.UnchangedAction {
			t.Errorf("second apply: %s", e)
		}
	}

	// Drift is repaired: a changed value goes back to what the source says.
	cm, err := env.Client.CoreV1().ConfigMaps(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["mode"] = "debug"
	if _, err := env.Client.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	cs, err = a.Apply(ctx, objects, testOptions(ns))
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(cs)["ConfigMap/"+ns+"/web"]; got != "configured" {
		t.Errorf("ConfigMap after drift: %s, want configured", got)
	}
	cm, err = env.Client.CoreV1().ConfigMaps(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Data["mode"] != "prod" {
		t.Errorf("data.mode = %q after re-apply, want prod", cm.Data["mode"])
	}
}

// The inventory may live in a namespace the source itself creates.
func TestApplyInventoryInNewNamespace(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := testContext(t)
	a, counter := newTestApplier(t)
	appNS := ns + "-app"
	t.Cleanup(func() { _ = env.Client.CoreV1().Namespaces().Delete(ctx, appNS, metav1.DeleteOptions{}) })
	objects := objectsFromYAML(t, fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n", appNS))
	objects = append(objects, configMaps(t, appNS, "a")...)
	opts := testOptions(appNS)
	cs, err := a.Apply(ctx, objects, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Namespace/" + appNS: "created", "ConfigMap/" + appNS + "/a": "created"}
	if diff := cmp.Diff(want, actions(cs)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	parent, err := env.Client.CoreV1().ConfigMaps(appNS).Get(ctx, "inventory", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := parent.Annotations[ApplySetGroupKindsAnnotation]; got != "ConfigMap,Namespace" {
		t.Errorf("contains-group-kinds = %q, want ConfigMap,Namespace", got)
	}
	counter.take()
	if _, err := a.Apply(ctx, objects, opts); err != nil {
		t.Fatal(err)
	}
	if writes := counter.take(); len(writes) != 0 {
		t.Errorf("second apply wrote: %v", writes)
	}
}

package apply

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/yaml"

	"github.com/oamgitops/kubectl-gitops/catalog"
	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/krm/render"
)

// renderApp renders Applications with the built-in definitions, as a sync
// does, and returns the objects and the parsed Applications.
func renderApp(t *testing.T, doc string) ([]*unstructured.Unstructured, []*oam.Application) {
	t.Helper()
	reg, err := catalog.Registry()
	if err != nil {
		t.Fatal(err)
	}
	items, err := (&kio.ByteReader{Reader: strings.NewReader(doc), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatal(err)
	}
	var apps []*oam.Application
	for _, it := range items {
		if oam.IsApplication(it) {
			app, err := oam.Parse(it)
			if err != nil {
				t.Fatal(err)
			}
			apps = append(apps, app)
		}
	}
	cfg := &render.Config{APIVersion: render.ConfigAPIVersion, Kind: render.ConfigKind}
	if err := cfg.Default(); err != nil {
		t.Fatal(err)
	}
	out, results := render.Function{Builtins: reg}.Render(items, cfg)
	if results.ExitCode() != 0 {
		t.Fatalf("render: %v", results)
	}
	var objects []*unstructured.Unstructured
	for _, n := range out {
		s, err := n.String()
		if err != nil {
			t.Fatal(err)
		}
		objects = append(objects, objectsFromYAML(t, s)...)
	}
	return objects, apps
}

// shopApp is a webservice (with a scaler patch trait and an expose trait
// object) and, when withTask, a task; extra goes into the Application's
// metadata.
func shopApp(ns, extra string, withTask bool) string {
	task := ""
	if withTask {
		task = `
  - name: migrate
    type: task
    properties: {image: registry.example/migrate:1}`
	}
	return fmt.Sprintf(`apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: shop
  namespace: %s
%s
spec:
  components:
  - name: web
    type: webservice
    properties: {image: registry.example/web:1}
    traits:
    - {type: scaler, properties: {replicas: 1}}
    - {type: expose, properties: {port: [80]}}%s
`, ns, extra, task)
}

// unschedulable gives the pods of objects a node selector no node matches.
func unschedulable(t *testing.T, objects []*unstructured.Unstructured) {
	t.Helper()
	for _, obj := range objects {
		if k := obj.GetKind(); k != "Deployment" && k != "Job" {
			continue
		}
		if err := unstructured.SetNestedStringMap(obj.Object, map[string]string{"no-such-node": "true"},
			"spec", "template", "spec", "nodeSelector"); err != nil {
			t.Fatal(err)
		}
	}
}

func readComponents(t *testing.T, ns string) []ComponentHealth {
	t.Helper()
	parent, err := env.Client.CoreV1().ConfigMaps(ns).Get(testContext(t), "inventory", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []ComponentHealth
	if err := json.Unmarshal([]byte(parent.Annotations[ComponentsAnnotation]), &out); err != nil {
		t.Fatalf("annotation %s: %v", ComponentsAnnotation, err)
	}
	return out
}

func healthOptions(t *testing.T, ns string, apps []*oam.Application) ApplyOptions {
	t.Helper()
	reg, err := catalog.Registry()
	if err != nil {
		t.Fatal(err)
	}
	opts := testOptions(ns)
	opts.Health = DefinitionHealth(reg)
	opts.Applications = apps
	return opts
}

func TestApplyHealthFromDefinitions(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := testContext(t)
	a, counter := newTestApplier(t)
	objects, apps := renderApp(t, shopApp(ns, "", true))
	opts := healthOptions(t, ns, apps)
	opts.Revision = "main@sha1:1111111"
	opts.Source = &SourceRecord{Name: "shop/src", App: "shop", Component: "src", URL: "https://git.example/config.git", Ref: "branch main", Path: "apps"}
	var events []WaveEvent
	opts.Progress = func(e WaveEvent) { events = append(events, e) }
	if _, err := a.Apply(ctx, objects, opts); err != nil {
		t.Fatal(err)
	}
	if len(events) == 0 || len(events)%2 != 0 || !events[len(events)-1].Healthy || events[0].Healthy {
		t.Errorf("progress events %+v: want a start and a healthy event per wave", events)
	}
	// In the Application's order, not by name.
	want := []ComponentHealth{
		{App: "shop", Namespace: ns, Component: "web", Type: "webservice", Traits: []string{"scaler", "expose"}, Healthy: true, Message: "Ready:1/1"},
		{App: "shop", Namespace: ns, Component: "migrate", Type: "task", Healthy: true, Message: "Active/Failed/Succeeded:0/0/1", Index: 1},
	}
	if diff := cmp.Diff(want, readComponents(t, ns)); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
	rec, err := a.ReadInventory(ctx, opts.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Revision != opts.Revision || len(rec.History) != 1 || rec.History[0].Revision != opts.Revision {
		t.Errorf("revision %q, history %+v: want %s once", rec.Revision, rec.History, opts.Revision)
	}
	if diff := cmp.Diff(want, rec.Components); diff != "" {
		t.Errorf("ReadInventory components (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(opts.Source, rec.Source); diff != "" {
		t.Errorf("ReadInventory source (-want +got):\n%s", diff)
	}

	// The same revision again, nothing drifted: no writes, the history
	// unchanged.
	counter.take()
	if _, err := a.Apply(ctx, objects, opts); err != nil {
		t.Fatal(err)
	}
	if writes := counter.take(); len(writes) != 0 {
		t.Errorf("second apply of the same revision wrote:\n%s", strings.Join(writes, "\n"))
	}
	opts.Revision = "main@sha1:2222222"
	if _, err := a.Apply(ctx, objects, opts); err != nil {
		t.Fatal(err)
	}
	if rec, err = a.ReadInventory(ctx, opts.Inventory); err != nil {
		t.Fatal(err)
	}
	var revs []string
	for _, h := range rec.History {
		revs = append(revs, h.Revision)
	}
	if diff := cmp.Diff([]string{"main@sha1:1111111", "main@sha1:2222222"}, revs); diff != "" || rec.Revision != opts.Revision {
		t.Errorf("revision %q; history (-want +got):\n%s", rec.Revision, diff)
	}
}

func TestApplyDefinitionHealthNotHealthy(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := testContext(t)
	a, _ := newTestApplier(t)
	objects, apps := renderApp(t, shopApp(ns, "", false))
	unschedulable(t, objects)
	opts := healthOptions(t, ns, apps)
	opts.Revision = "r1"
	opts.WaveTimeout = 5 * time.Second
	_, err := a.Apply(ctx, objects, opts)
	var nh *NotHealthyError
	if !errors.As(err, &nh) {
		t.Fatalf("error = %v, want a NotHealthyError", err)
	}
	t.Logf("error: %v", err)
	want := []ObjectHealth{{Subject: "Deployment/" + ns + "/web", Status: UnhealthyStatus, Message: "Ready:0/1"}}
	if diff := cmp.Diff(want, nh.Objects); diff != "" {
		t.Errorf("not healthy (-want +got):\n%s", diff)
	}
	got := map[string]ComponentHealth{}
	for _, c := range readComponents(t, ns) {
		got[c.Component] = c
	}
	if web := got["web"]; web.Healthy || web.Message != "Ready:0/1" {
		t.Errorf("component web recorded as %+v, want not healthy, Ready:0/1", web)
	}
	rec, err := a.ReadInventory(ctx, opts.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Revision != "" || len(rec.History) != 0 {
		t.Errorf("a failed apply recorded revision %q, history %v", rec.Revision, rec.History)
	}

	// The same, with the health check disabled on the Application (copied
	// to its objects): healthy, though kstatus would wait for the pods.
	objects, apps = renderApp(t, shopApp(ns, "  annotations: {app.oam.dev/disable-health-check: \"true\"}", false))
	unschedulable(t, objects)
	opts.Applications = apps
	if _, err := a.Apply(ctx, objects, opts); err != nil {
		t.Fatal(err)
	}
	for _, c := range readComponents(t, ns) {
		if c.Component == "web" && (!c.Healthy || c.Message != "Ready:0/1") {
			t.Errorf("component web with the health check disabled: %+v, want healthy, Ready:0/1", c)
		}
	}
}

// A Job that fails is reported at once, not after the timeout.
func TestApplyFailedJobFailsFast(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := testContext(t)
	a, _ := newTestApplier(t)
	objects, apps := renderApp(t, fmt.Sprintf(`apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: batch, namespace: %s}
spec:
  components:
  - name: doomed
    type: task
    properties: {image: registry.example/fail:1}
`, ns))
	// kwok completes every pod it runs: a pod that is never scheduled and
	// a deadline make the Job fail (DeadlineExceeded).
	unschedulable(t, objects)
	for _, obj := range objects {
		if err := unstructured.SetNestedField(obj.Object, int64(2), "spec", "activeDeadlineSeconds"); err != nil {
			t.Fatal(err)
		}
	}
	opts := healthOptions(t, ns, apps)
	start := time.Now()
	_, err := a.Apply(ctx, objects, opts)
	if !errors.Is(err, ErrFailed) {
		t.Fatalf("error = %v, want ErrFailed", err)
	}
	t.Logf("after %s: %v", time.Since(start).Round(time.Second), err)
	if time.Since(start) > opts.WaveTimeout/2 {
		t.Errorf("took %s: the wait did not stop when the Job failed", time.Since(start))
	}
}

func TestRecordHistory(t *testing.T) {
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var r record
	for i, rev := range []string{"a", "a", "b", "", "c"} {
		r = r.applied(rev, base.Add(time.Duration(i)*time.Minute))
	}
	want := []HistoryEntry{{"a", base}, {"b", base.Add(2 * time.Minute)}, {"c", base.Add(4 * time.Minute)}}
	if diff := cmp.Diff(want, r.history); diff != "" || r.revision != "c" {
		t.Errorf("revision %q; history (-want +got):\n%s", r.revision, diff)
	}
	for i := range 2 * HistoryLimit {
		r = r.applied(fmt.Sprint(i), base)
	}
	if len(r.history) != HistoryLimit || r.history[0].Revision != fmt.Sprint(HistoryLimit) {
		t.Errorf("history after many applies: %d entries from %q, want %d from %q", len(r.history), r.history[0].Revision, HistoryLimit, fmt.Sprint(HistoryLimit))
	}
	anns := map[string]string{}
	if err := r.annotate(anns); err != nil {
		t.Fatal(err)
	}
	data, _ := yaml.Marshal(anns)
	if diff := cmp.Diff(r, readRecord(anns), cmp.AllowUnexported(record{})); diff != "" {
		t.Errorf("annotations %s read back (-want +got):\n%s", data, diff)
	}
}

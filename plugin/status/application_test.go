package status

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

// application is an Application as the dynamic client lists it, and the
// sources it declares.
func application(t *testing.T, text string) (*unstructured.Unstructured, []source.Declaration) {
	t.Helper()
	var m map[string]any
	if err := sigsyaml.Unmarshal([]byte(text), &m); err != nil {
		t.Fatal(err)
	}
	roots, err := source.FromApplications([]*yaml.RNode{yaml.MustParse(text)}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: m}, roots
}

const appsApp = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: apps, namespace: team-a}
spec:
  components:
    - name: apps
      type: kustomize
      properties: {url: https://git.example.com/config.git, secretRef: git-secret, git: {branch: main}, path: ./apps}
    - name: web
      type: webservice
      properties: {image: nginx}
`

// appsOnly is appsApp without its webservice component.
var appsOnly = appsApp[:strings.Index(appsApp, "    - name: web")]

func TestApplicationStatus(t *testing.T) {
	appsInv := apply.Inventory{Kind: "ConfigMap", Namespace: "team-a", Name: "gitops.apps.apps"}
	nestedInv := apply.Inventory{Kind: "ConfigMap", Namespace: "team-a", Name: "gitops.platform.db"}
	healthy := apply.InventoryRecord{Inventory: appsInv, Revision: "main@sha1:abc",
		Components: []apply.ComponentHealth{{App: "my-app", Component: "my-server", Healthy: true, Message: "Ready:1/1"}}}
	sick := healthy
	sick.Components = []apply.ComponentHealth{{App: "my-app", Component: "my-server", Message: "Ready:0/1"}}
	nestedSick := apply.InventoryRecord{Inventory: nestedInv, Source: &apply.SourceRecord{Name: "platform/db", Parent: &appsInv}}
	synced := func(recs ...apply.InventoryRecord) map[int]SourceStep {
		return map[int]SourceStep{0: {Stepped: true, Applied: "main@sha1:abc", Attempted: "main@sha1:abc", Records: recs}}
	}
	failed := map[int]SourceStep{0: {Stepped: true, Applied: "main@sha1:abc", Attempted: "main@sha1:def", Records: []apply.InventoryRecord{healthy},
		Err: errors.New("source apps/apps: at main@sha1:def: apps/my-app.yaml: Deployment team-a/my-server: spec.replicas: invalid")}}
	svc := func(name string, healthy bool, msg string) any {
		return map[string]any{"name": name, "namespace": "team-a", "healthy": healthy, "message": msg}
	}
	web := svc("web", false, MessageNotASource)
	type cond struct{ Type, Status, Reason, Message string }
	tests := map[string]struct {
		app      string
		snaps    map[int]SourceStep
		parseErr error
		observed int64
		phase    string
		services []any
		conds    []cond
		applied  string
	}{
		"not synced yet": {app: appsOnly, phase: "unhealthy", services: []any{svc("apps", false, MessageWaiting)},
			conds: []cond{{"Ready", "Unknown", ReasonProgressing, "waiting for the first sync of apps/apps"},
				{"Reconciling", "True", ReasonProgressing, "waiting for the first sync of apps/apps"}}},
		"synced healthy, generation observed": {app: appsOnly, snaps: synced(healthy), observed: 1, phase: "running",
			services: []any{svc("apps", true, "main@sha1:abc")}, applied: "main@sha1:abc",
			conds: []cond{{"Ready", "True", ReasonSucceeded, "Applied revision: main@sha1:abc"}}},
		"synced healthy, a newer generation pending": {app: appsOnly, snaps: synced(healthy), phase: "running",
			services: []any{svc("apps", true, "main@sha1:abc")}, applied: "main@sha1:abc",
			conds: []cond{{"Ready", "Unknown", ReasonProgressing, "reconciling generation 1"},
				{"Reconciling", "True", ReasonProgressing, "reconciling generation 1"}}},
		"a component of another type": {app: appsApp, snaps: synced(healthy), observed: 1, phase: "unhealthy",
			services: []any{svc("apps", true, "main@sha1:abc"), web}, applied: "main@sha1:abc",
			conds: []cond{{"Ready", "False", ReasonUnhealthy, "web: " + MessageNotASource}}},
		"a component unhealthy": {app: appsOnly, snaps: synced(sick), observed: 1, phase: "unhealthy",
			services: []any{svc("apps", false, "my-app/my-server: Ready:0/1")}, applied: "main@sha1:abc",
			conds: []cond{{"Ready", "False", ReasonUnhealthy, "apps: my-app/my-server: Ready:0/1"}}},
		"a nested source without a healthy revision": {app: appsOnly, snaps: synced(healthy, nestedSick), observed: 1, phase: "unhealthy",
			services: []any{svc("apps", false, "platform/db: no revision became healthy yet")}, applied: "main@sha1:abc",
			conds: []cond{{"Ready", "False", ReasonUnhealthy, "apps: platform/db: no revision became healthy yet"}}},
		"the last sync failed: named, retried, not stalled": {app: appsOnly, snaps: failed, observed: 1, phase: "unhealthy",
			services: []any{svc("apps", false, failed[0].Err.Error())}, applied: "main@sha1:abc",
			conds: []cond{{"Ready", "False", ReasonFailed, failed[0].Err.Error()}}},
		"does not parse: stalled": {app: appsApp, parseErr: errors.New("spec.components[0].properties.url: is required"), observed: 1, phase: "unhealthy",
			services: []any{svc("apps", false, "spec.components[0].properties.url: is required"),
				svc("web", false, "spec.components[0].properties.url: is required")},
			conds: []cond{{"Ready", "False", ReasonInvalid, "Application team-a/apps: spec.components[0].properties.url: is required"},
				{"Stalled", "True", ReasonInvalid, "Application team-a/apps: spec.components[0].properties.url: is required"}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			app, roots := application(t, tc.app)
			app.SetGeneration(1)
			if tc.parseErr != nil {
				roots = nil
			}
			got := Application(app, tc.parseErr, roots, tc.snaps, tc.observed)
			if got["status"] != tc.phase {
				t.Errorf("status.status %v, want %s", got["status"], tc.phase)
			}
			if diff := cmp.Diff(tc.services, got["services"]); diff != "" {
				t.Errorf("services (-want +got):\n%s", diff)
			}
			if got["observedGeneration"] != tc.observed {
				t.Errorf("observedGeneration %v, want %d", got["observedGeneration"], tc.observed)
			}
			if rev, _ := got["lastAppliedRevision"].(string); rev != tc.applied {
				t.Errorf("lastAppliedRevision %q, want %q", rev, tc.applied)
			}
			var conds []cond
			for _, c := range got["conditions"].([]any) {
				m := c.(map[string]any)
				conds = append(conds, cond{m["type"].(string), m["status"].(string), m["reason"].(string), m["message"].(string)})
			}
			if diff := cmp.Diff(tc.conds, conds); diff != "" {
				t.Errorf("conditions (-want +got):\n%s", diff)
			}
		})
	}
}

// A condition keeps its lastTransitionTime while its status stays.
func TestKeepTransitions(t *testing.T) {
	then := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := then.Add(time.Hour)
	old := map[string]any{"conditions": []any{
		map[string]any{"type": "Ready", "status": "True", "lastTransitionTime": then.Format(time.RFC3339)},
		map[string]any{"type": "Reconciling", "status": "True", "lastTransitionTime": then.Format(time.RFC3339)},
	}}
	want := map[string]any{"conditions": []any{
		map[string]any{"type": "Ready", "status": "True"},
		map[string]any{"type": "Reconciling", "status": "False"},
		map[string]any{"type": "Stalled", "status": "True"},
	}}
	KeepTransitions(want, old, now)
	var got []string
	for _, c := range want["conditions"].([]any) {
		got = append(got, c.(map[string]any)["lastTransitionTime"].(string))
	}
	if diff := cmp.Diff([]string{then.Format(time.RFC3339), now.Format(time.RFC3339), now.Format(time.RFC3339)}, got); diff != "" {
		t.Errorf("lastTransitionTime (-want +got):\n%s", diff)
	}
}

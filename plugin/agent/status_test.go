package agent

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
)

// application is an Application as the dynamic client lists it.
func application(t *testing.T, text string) unstructured.Unstructured {
	t.Helper()
	var m map[string]any
	if err := sigsyaml.Unmarshal([]byte(text), &m); err != nil {
		t.Fatal(err)
	}
	return unstructured.Unstructured{Object: m}
}

const infraApp = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: infra, namespace: default, managedFields: [{manager: kubectl}]}
spec:
  components:
    - name: operators
      type: kustomize
      properties: {repoType: git, url: https://git.example.com/config.git, git: {branch: main}, path: ./infrastructure}
    - name: config
      type: kustomize
      properties: {url: https://git.example.com/config.git, git: {branch: main}, path: ./config, pullInterval: 30s}
status: {status: running}
`

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
const appsOnly = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: apps, namespace: team-a}
spec:
  components:
    - name: apps
      type: kustomize
      properties: {url: https://git.example.com/config.git, secretRef: git-secret, git: {branch: main}, path: ./apps}
`

const brokenApp = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: broken, namespace: default}
spec:
  components:
    - name: src
      type: kustomize
      properties: {path: ./x}
`

func TestDeclaredBy(t *testing.T) {
	type root struct {
		Name, Namespace, Path, SecretRef string
		Index                            int
		Interval                         time.Duration
	}
	tests := map[string]struct {
		app     string
		want    []root
		wantErr string
	}{
		"in component order": {
			app: infraApp,
			want: []root{
				{Name: "infra/operators", Namespace: "default", Path: "./infrastructure"},
				{Name: "infra/config", Namespace: "default", Path: "./config", Index: 1, Interval: 30 * time.Second},
			},
		},
		"other types ignored": {
			app:  appsApp,
			want: []root{{Name: "apps/apps", Namespace: "team-a", Path: "./apps", SecretRef: "git-secret"}},
		},
		"an Application that does not parse": {app: brokenApp, wantErr: "url"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			app := application(t, tc.app)
			d := declaredBy(&app)
			var got []root
			for _, r := range d.roots {
				got = append(got, root{r.Name, r.Namespace, r.Path, r.SecretRef, r.Index, r.Interval})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("roots (-want +got):\n%s", diff)
			}
			// Image automation runs on the same sources.
			var gotImages, wantImages []string
			for _, s := range d.images {
				gotImages = append(gotImages, s.Git.Name)
			}
			for _, r := range tc.want {
				wantImages = append(wantImages, r.Name)
			}
			if diff := cmp.Diff(wantImages, gotImages); diff != "" {
				t.Errorf("image sources (-want +got):\n%s", diff)
			}
			if tc.wantErr == "" && d.err != nil || tc.wantErr != "" && (d.err == nil || !strings.Contains(d.err.Error(), tc.wantErr)) {
				t.Errorf("error %v, want one with %q", d.err, tc.wantErr)
			}
		})
	}
}

func TestApplicationStatus(t *testing.T) {
	appsInv := apply.Inventory{Kind: "ConfigMap", Namespace: "team-a", Name: "gitops.apps.apps"}
	nestedInv := apply.Inventory{Kind: "ConfigMap", Namespace: "team-a", Name: "gitops.platform.db"}
	healthy := apply.InventoryRecord{Inventory: appsInv, Revision: "main@sha1:abc",
		Components: []apply.ComponentHealth{{App: "my-app", Component: "my-server", Healthy: true, Message: "Ready:1/1"}}}
	sick := healthy
	sick.Components = []apply.ComponentHealth{{App: "my-app", Component: "my-server", Message: "Ready:0/1"}}
	nestedSick := apply.InventoryRecord{Inventory: nestedInv, Source: &apply.SourceRecord{Name: "platform/db", Parent: &appsInv}}
	synced := func(recs ...apply.InventoryRecord) map[int]snapshot {
		return map[int]snapshot{0: {stepped: true, applied: "main@sha1:abc", attempted: "main@sha1:abc", records: recs}}
	}
	failed := map[int]snapshot{0: {stepped: true, applied: "main@sha1:abc", attempted: "main@sha1:def", records: []apply.InventoryRecord{healthy},
		err: errors.New("source apps/apps: at main@sha1:def: apps/my-app.yaml: Deployment team-a/my-server: spec.replicas: invalid")}}
	svc := func(name string, healthy bool, msg string) any {
		return map[string]any{"name": name, "namespace": "team-a", "healthy": healthy, "message": msg}
	}
	web := svc("web", false, msgNotASource)
	type cond struct{ Type, Status, Reason, Message string }
	tests := map[string]struct {
		app      string
		snaps    map[int]snapshot
		parseErr error
		observed int64
		phase    string
		services []any
		conds    []cond
		applied  string
	}{
		"not synced yet": {app: appsOnly, phase: "unhealthy", services: []any{svc("apps", false, msgWaiting)},
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
			conds: []cond{{"Ready", "False", ReasonUnhealthy, "web: " + msgNotASource}}},
		"a component unhealthy": {app: appsOnly, snaps: synced(sick), observed: 1, phase: "unhealthy",
			services: []any{svc("apps", false, "my-app/my-server: Ready:0/1")}, applied: "main@sha1:abc",
			conds: []cond{{"Ready", "False", ReasonUnhealthy, "apps: my-app/my-server: Ready:0/1"}}},
		"a nested source without a healthy revision": {app: appsOnly, snaps: synced(healthy, nestedSick), observed: 1, phase: "unhealthy",
			services: []any{svc("apps", false, "platform/db: no revision became healthy yet")}, applied: "main@sha1:abc",
			conds: []cond{{"Ready", "False", ReasonUnhealthy, "apps: platform/db: no revision became healthy yet"}}},
		"the last sync failed: named, retried, not stalled": {app: appsOnly, snaps: failed, observed: 1, phase: "unhealthy",
			services: []any{svc("apps", false, failed[0].err.Error())}, applied: "main@sha1:abc",
			conds: []cond{{"Ready", "False", ReasonFailed, failed[0].err.Error()}}},
		"does not parse: stalled": {app: appsApp, parseErr: errors.New("spec.components[0].properties.url: is required"), observed: 1, phase: "unhealthy",
			services: []any{svc("apps", false, "spec.components[0].properties.url: is required"),
				svc("web", false, "spec.components[0].properties.url: is required")},
			conds: []cond{{"Ready", "False", ReasonInvalid, "Application team-a/apps: spec.components[0].properties.url: is required"},
				{"Stalled", "True", ReasonInvalid, "Application team-a/apps: spec.components[0].properties.url: is required"}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			app := application(t, tc.app)
			app.SetGeneration(1)
			d := declaredBy(&app)
			if tc.parseErr != nil {
				d = declared{err: tc.parseErr}
			}
			got := applicationStatus(&app, d.err, d.roots, tc.snaps, tc.observed)
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
	keepTransitions(want, old, now)
	var got []string
	for _, c := range want["conditions"].([]any) {
		got = append(got, c.(map[string]any)["lastTransitionTime"].(string))
	}
	if diff := cmp.Diff([]string{then.Format(time.RFC3339), now.Format(time.RFC3339), now.Format(time.RFC3339)}, got); diff != "" {
		t.Errorf("lastTransitionTime (-want +got):\n%s", diff)
	}
}

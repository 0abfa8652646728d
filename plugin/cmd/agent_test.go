package cmd

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/reconcile"
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

const brokenApp = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: broken, namespace: default}
spec:
  components:
    - name: src
      type: kustomize
      properties: {path: ./x}
`

func TestAgentRoots(t *testing.T) {
	type root struct {
		Name, Namespace, Path, SecretRef string
		Index                            int
		Interval                         time.Duration
	}
	tests := map[string]struct {
		apps     []string
		want     []root
		wantErrs []string
	}{
		"none": {},
		"sorted by namespace, app, component; other types ignored": {
			apps: []string{appsApp, infraApp},
			want: []root{
				{Name: "infra/operators", Namespace: "default", Path: "./infrastructure"},
				{Name: "infra/config", Namespace: "default", Path: "./config", Index: 1, Interval: 30 * time.Second},
				{Name: "apps/apps", Namespace: "team-a", Path: "./apps", SecretRef: "git-secret"},
			},
		},
		"a broken Application gives an error, the others their sources": {
			apps:     []string{brokenApp, appsApp},
			want:     []root{{Name: "apps/apps", Namespace: "team-a", Path: "./apps", SecretRef: "git-secret"}},
			wantErrs: []string{"default/broken"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var apps []unstructured.Unstructured
			for _, a := range tc.apps {
				apps = append(apps, application(t, a))
			}
			roots, images, errs := agentRoots(apps)
			var got []root
			for _, r := range roots {
				got = append(got, root{r.Name, r.Namespace, r.Path, r.SecretRef, r.Index, r.Interval})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("roots (-want +got):\n%s", diff)
			}
			// Image automation runs on the same sources.
			var gotImages []string
			for _, s := range images {
				gotImages = append(gotImages, s.Git.Name)
			}
			var wantImages []string
			for _, r := range tc.want {
				wantImages = append(wantImages, r.Name)
			}
			if diff := cmp.Diff(wantImages, gotImages); diff != "" {
				t.Errorf("image sources (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantErrs, keys(errs), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// The agent restarts its watch only when the sources change: an
// Application edited elsewhere (labels, status) or listed in another
// order gives the same roots.
func TestAgentRootsChange(t *testing.T) {
	roots := func(texts ...string) []reconcile.Source {
		var apps []unstructured.Unstructured
		for _, a := range texts {
			apps = append(apps, application(t, a))
		}
		r, _, _ := agentRoots(apps)
		return r
	}
	base := roots(infraApp, appsApp)
	relabelled := roots(appsApp, `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: infra, namespace: default, labels: {team: platform}}
spec:
  components:
    - name: operators
      type: kustomize
      properties: {repoType: git, url: https://git.example.com/config.git, git: {branch: main}, path: ./infrastructure}
    - name: config
      type: kustomize
      properties: {url: https://git.example.com/config.git, git: {branch: main}, path: ./config, pullInterval: 30s}
status: {status: unhealthy}
`)
	tests := map[string]struct {
		next []reconcile.Source
		same bool
	}{
		"same Applications":         {roots(infraApp, appsApp), true},
		"listed in another order":   {roots(appsApp, infraApp), true},
		"labels and status changed": {relabelled, true},
		"an Application deleted":    {roots(infraApp), false},
		"a path changed":            {roots(infraApp, strings.Replace(appsApp, "path: ./apps", "path: ./apps2", 1)), false},
		"no Application":            {nil, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := slices.Equal(base, tc.next); got != tc.same {
				t.Errorf("slices.Equal = %v, want %v", got, tc.same)
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
	svc := func(name string, healthy bool, msg string) any {
		return map[string]any{"name": name, "namespace": "team-a", "healthy": healthy, "message": msg}
	}
	tests := map[string]struct {
		records  []apply.InventoryRecord
		parseErr error
		want     map[string]any
	}{
		"not synced yet": {want: map[string]any{"status": "unhealthy", "services": []any{
			svc("apps", false, msgWaiting), svc("web", false, msgNotASource)}}},
		"synced healthy": {records: []apply.InventoryRecord{healthy}, want: map[string]any{"status": "unhealthy", "services": []any{
			svc("apps", true, "main@sha1:abc"), svc("web", false, msgNotASource)}}},
		"a component unhealthy": {records: []apply.InventoryRecord{sick}, want: map[string]any{"status": "unhealthy", "services": []any{
			svc("apps", false, "my-app/my-server: Ready:0/1"), svc("web", false, msgNotASource)}}},
		"a nested source without a healthy revision": {records: []apply.InventoryRecord{healthy, nestedSick},
			want: map[string]any{"status": "unhealthy", "services": []any{
				svc("apps", false, "platform/db: no revision became healthy yet"), svc("web", false, msgNotASource)}}},
		"does not parse": {parseErr: errors.New("spec.components[0].properties.url: is required"),
			want: map[string]any{"status": "unhealthy", "services": []any{
				svc("apps", false, "spec.components[0].properties.url: is required"),
				svc("web", false, "spec.components[0].properties.url: is required")}}},
	}
	app := application(t, appsApp)
	srcs, _, _ := agentRoots([]unstructured.Unstructured{app})
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := applicationStatus(&app, srcs, tc.parseErr, tc.records)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	t.Run("every component a healthy source: running", func(t *testing.T) {
		only := application(t, strings.Replace(appsApp, "    - name: web\n      type: webservice\n      properties: {image: nginx}\n", "", 1))
		srcs, _, _ := agentRoots([]unstructured.Unstructured{only})
		got := applicationStatus(&only, srcs, nil, []apply.InventoryRecord{healthy})
		want := map[string]any{"status": "running", "services": []any{svc("apps", true, "main@sha1:abc")}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}

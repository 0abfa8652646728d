package agent

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	sigsyaml "sigs.k8s.io/yaml"
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

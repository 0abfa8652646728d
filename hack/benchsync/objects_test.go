package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestReadObjects(t *testing.T) {
	text := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: team-1
spec:
  replicas: 3
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  namespace: team-0
spec: {}
---
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: team-1
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
`
	got, err := readObjects(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	want := objectSet{
		Count:      4,
		Namespaces: []string{"team-0", "team-1"},
		Kinds: []schema.GroupKind{
			{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"},
			{Group: "apps", Kind: "Deployment"},
			{Kind: "Service"},
		},
		Deployments: 2,
		Replicas:    4,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("readObjects (-want +got):\n%s", diff)
	}
}

func TestReadObjectsErrors(t *testing.T) {
	tests := map[string]string{
		"empty":           "",
		"bad replicas":    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {replicas: three}\n",
		"not an object":   "- a list\n",
		"only separators": "---\n---\n",
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			if got, err := readObjects(strings.NewReader(text)); err == nil {
				t.Errorf("readObjects = %+v, want an error", got)
			}
		})
	}
}

func TestCountApplications(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.yaml": "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\n---\napiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: b}\n",
		"b.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\napiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: d}\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := countApplications(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got != 3 {
		t.Errorf("countApplications = %d, want 3", got)
	}
	if n, err := countApplications(filepath.Join(dir, "sub")); err == nil {
		t.Errorf("countApplications of an empty dir = %d, want an error", n)
	}
}

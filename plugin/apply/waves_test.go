package apply

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// objectsFromYAML reads a ---separated YAML stream of objects.
func objectsFromYAML(t *testing.T, doc string) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	for _, part := range strings.Split(doc, "\n---\n") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(part), &obj.Object); err != nil {
			t.Fatalf("%v\n%s", err, part)
		}
		out = append(out, obj)
	}
	return out
}

func TestPlanWaves(t *testing.T) {
	tests := map[string]struct {
		objects string
		want    [][]string // per wave: object, then "external:" dependencies
		wantErr string
	}{
		"definitions first": {
			objects: `
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: ns}
---
apiVersion: v1
kind: Namespace
metadata: {name: ns}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: ns}
`,
			want: [][]string{
				{"CustomResourceDefinition.apiextensions.k8s.io/widgets.example.com", "Namespace/ns"},
				{"ConfigMap/ns/c", "Widget.example.com/ns/w"},
			},
		},
		"chain and external": {
			objects: `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ns
  annotations:
    config.kubernetes.io/depends-on: /namespaces/ns/Service/db
---
apiVersion: v1
kind: Service
metadata:
  name: db
  namespace: ns
  annotations:
    config.kubernetes.io/depends-on: apps/namespaces/ns/StatefulSet/db,apps/namespaces/other/Deployment/operator
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: ns}
`,
			want: [][]string{
				{"StatefulSet.apps/ns/db"},
				{"Service/ns/db", "external:Deployment.apps/other/operator"},
				{"Deployment.apps/ns/web"},
			},
		},
		"cycle": {
			objects: `
apiVersion: v1
kind: ConfigMap
metadata:
  name: a
  namespace: ns
  annotations: {config.kubernetes.io/depends-on: /namespaces/ns/ConfigMap/b}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: b
  namespace: ns
  annotations: {config.kubernetes.io/depends-on: /namespaces/ns/ConfigMap/a}
`,
			wantErr: "dependency cycle: ConfigMap/ns/a -> ConfigMap/ns/b -> ConfigMap/ns/a",
		},
		"bad reference": {
			objects: `
apiVersion: v1
kind: ConfigMap
metadata:
  name: a
  namespace: ns
  annotations: {config.kubernetes.io/depends-on: ConfigMap/b}
`,
			wantErr: `ConfigMap/ns/a: metadata.annotations[config.kubernetes.io/depends-on]: "ConfigMap/b": want <group>/namespaces/<namespace>/<kind>/<name> or <group>/<kind>/<name>`,
		},
		"duplicate": {
			objects: `
apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: ns}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: ns}
`,
			wantErr: "ConfigMap/ns/a: appears twice",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			waves, err := planWaves(objectsFromYAML(t, tc.objects))
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got [][]string
			for _, w := range waves {
				var names []string
				for _, o := range w.objects {
					names = append(names, keyOf(o).String())
				}
				for _, o := range w.external {
					names = append(names, "external:"+keyOf(o).String())
				}
				got = append(got, names)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("waves (-want +got):\n%s", diff)
			}
		})
	}
}

package oam_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
)

func parse(t *testing.T, src string) (*oam.Application, error) {
	t.Helper()
	n, err := yaml.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	_ = n.PipeE(yaml.SetAnnotation(kioutil.PathAnnotation, "apps/app.yaml"))
	return oam.Parse(n)
}

func TestParse(t *testing.T) {
	app, err := parse(t, `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: shop
  labels: {team: a}
spec:
  components:
    - name: web
      type: webservice
      properties: {image: "nginx", port: 80, ratio: 0.5, on: true, date: 2024-01-01, octal: 0o17}
      traits: [{type: scaler, properties: {replicas: 2}}]
      dependsOn: [db]
  policies:
    - type: override
  workflow:
    steps: [{name: s1, type: deploy, properties: {policies: [p]}}]
`)
	if err != nil {
		t.Fatal(err)
	}
	if app.Namespace != "default" {
		t.Errorf("namespace = %q, want default", app.Namespace)
	}
	want := map[string]any{"image": "nginx", "port": int64(80), "ratio": 0.5, "on": true, "date": "2024-01-01", "octal": int64(15)}
	if diff := cmp.Diff(want, app.Components[0].Properties); diff != "" {
		t.Errorf("properties (-want +got):\n%s", diff)
	}
	if app.Policies[0].Name != "override-auto-gen-0" {
		t.Errorf("policy name = %q", app.Policies[0].Name)
	}
	if app.Components[0].Traits[0].Type != "scaler" || app.Components[0].DependsOn[0] != "db" {
		t.Errorf("traits/dependsOn not read: %+v", app.Components[0])
	}
	if app.Workflow == nil || app.Workflow.Steps[0].Type != "deploy" {
		t.Errorf("workflow not read: %+v", app.Workflow)
	}
}

func TestParseErrors(t *testing.T) {
	head := "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: shop, namespace: web}\n"
	tests := map[string]struct{ spec, want string }{
		"component without type":   {"spec: {components: [{name: a}]}", "apps/app.yaml: Application web/shop: spec.components[0].type: is required"},
		"properties not an object": {"spec: {components: [{name: a, type: t, properties: [1]}]}", "spec.components[0].properties: expected object, got list"},
		"trait without type":       {"spec: {components: [{name: a, type: t, traits: [{}]}]}", "spec.components[0].traits[0].type: is required"},
		"duplicate component":      {"spec: {components: [{name: a, type: t}, {name: a, type: t}]}", `spec.components[1].name: component "a" is declared twice`},
		"components not a list":    {"spec: {components: {name: a}}", "spec.components: expected list, got object"},
		"dependsOn not strings":    {"spec: {components: [{name: a, type: t, dependsOn: [1]}]}", "spec.components[0].dependsOn[0]: expected string, got int"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := parse(t, head+tc.spec)
			var fe *oam.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("want a *FieldError, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestValueRoundTrip(t *testing.T) {
	src := "a: 1\nb: 1.5\nc: \"1.10\"\nd: [true, null, x]\ne: {f: \"multi\\nline\"}\n"
	n, err := yaml.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	v, err := oam.FromNode(n.YNode())
	if err != nil {
		t.Fatal(err)
	}
	back, err := oam.FromNode(oam.ToNode(v))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(v, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestFromNodeAliases(t *testing.T) {
	tests := map[string]struct{ src, wantErr string }{
		"plain alias expands":  {"a: &x {b: 1}\nc: *x\n", ""},
		"merge key":            {"a: &x {b: 1}\nc: {<<: *x, d: 2}\n", ""},
		"recursive alias":      {"a: &x [*x]\n", "recursive YAML alias"},
		"alias bomb is capped": {"a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n", "more than 1000000 values"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			n, err := yaml.Parse(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			_, err = oam.FromNode(n.YNode())
			if tc.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

package oam_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
)

func TestSourceOf(t *testing.T) {
	cases := map[string]struct {
		annotations string
		want        oam.Source
	}{
		"kpt path annotations": {
			annotations: "config.kubernetes.io/path: apps/a.yaml\n    config.kubernetes.io/index: '2'",
			want:        oam.Source{File: "apps/a.yaml", Index: 2},
		},
		"kustomize origin annotation": {
			annotations: "config.kubernetes.io/origin: |\n      path: apps/my-app.yaml",
			want:        oam.Source{File: "apps/my-app.yaml"},
		},
		"origin without path":   {annotations: "config.kubernetes.io/origin: |\n      repo: x"},
		"no annotations at all": {annotations: "a: b"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			n, err := yaml.Parse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  annotations:\n    " + tc.annotations + "\n")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, oam.SourceOf(n)); diff != "" {
				t.Errorf("SourceOf (-want +got):\n%s", diff)
			}
		})
	}
}

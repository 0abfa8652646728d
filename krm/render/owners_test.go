package render_test

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/oamgitops/kubectl-gitops/catalog"
	"github.com/oamgitops/kubectl-gitops/krm/render"
)

// One object from two inputs is an error naming both; kustomize would
// refuse the two copies, and applying both would leave one.
func TestRenderRefusesOneObjectFromTwoInputs(t *testing.T) {
	app := func(name string) string {
		return `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: ` + name + `, namespace: default, annotations: {config.kubernetes.io/path: ` + name + `.yaml}}
spec:
  components:
    - {name: cfg, type: raw, properties: {apiVersion: v1, kind: ConfigMap, metadata: {name: shared, namespace: default}, data: {from: ` + name + `}}}
`
	}
	plain := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared, namespace: default, annotations: {config.kubernetes.io/path: plain.yaml}}\n"
	tests := []struct {
		name, in, want string
	}{
		{"two Applications", app("one") + "---\n" + app("two"),
			"two.yaml: Application default/two: renders ConfigMap default/shared, which Application default/one (one.yaml) renders too"},
		{"an Application and a plain object", plain + "---\n" + app("one"),
			"one.yaml: Application default/one: renders ConfigMap default/shared, which plain.yaml holds too"},
		{"a plain object after an Application", app("one") + "---\n" + plain,
			"plain.yaml: ConfigMap default/shared: Application default/one (one.yaml) renders it too"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := (&kio.ByteReader{Reader: strings.NewReader(tt.in)}).Read()
			if err != nil {
				t.Fatal(err)
			}
			cfg := &render.Config{APIVersion: render.ConfigAPIVersion, Kind: render.ConfigKind}
			if err := cfg.Default(); err != nil {
				t.Fatal(err)
			}
			builtins, err := catalog.Registry()
			if err != nil {
				t.Fatal(err)
			}
			_, results := render.Function{Builtins: builtins}.Render(items, cfg)
			if results.ExitCode() == 0 || !strings.Contains(results.Error(), tt.want) {
				t.Errorf("results %v, want an error with %q", results, tt.want)
			}
		})
	}
}

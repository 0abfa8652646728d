package render_test

import (
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/render"
)

// `kpt fn eval` without --fn-config passes an empty ConfigMap; it means
// "no config". A ConfigMap with data is still refused.
func TestProcessFunctionConfigConfigMap(t *testing.T) {
	cases := map[string]struct {
		config  string
		wantErr bool
	}{
		"empty ConfigMap from kpt": {config: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: function-input\n"},
		"ConfigMap with data":      {config: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n", wantErr: true},
		"other kind":               {config: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n", wantErr: true},
		"a misspelt field": {config: "apiVersion: config.oamgitops.dev/v1alpha1\nkind: RenderApplications\nmetadata: {name: r}\nspec: {clusterVersio: v1.30}\n",
			wantErr: true},
		"the accepted kind": {config: "apiVersion: config.oamgitops.dev/v1alpha1\nkind: RenderApplications\nmetadata: {name: r, annotations: {config.kubernetes.io/local-config: 'true'}}\nspec: {clusterVersion: v1.30.0, step: deploy}\n"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rl := &framework.ResourceList{FunctionConfig: yaml.MustParse(tc.config)}
			err := render.Function{Builtins: registry(t)}.Process(rl)
			if gotErr := rl.Results.ExitCode() != 0 || err != nil; gotErr != tc.wantErr {
				t.Errorf("error = %v (results %v), want error %v", err, rl.Results, tc.wantErr)
			}
		})
	}
}

package setters_test

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/setters"
)

// The function config is loaded as every function here loads it: none and
// kpt's default ConfigMap mean none; a ConfigMap with data, another kind
// and a misspelt field are refused, naming why.
func TestFunctionConfig(t *testing.T) {
	const item = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app, namespace: ns}\n" +
		"spec: {template: {spec: {containers: [{name: app, image: 'ghcr.io/org/app:1.0.0' # {\"$imagepolicy\": \"flux-system:app\"}\n}]}}}\n"
	const head = "apiVersion: config.oamgitops.dev/v1alpha1\nkind: SetImages\nmetadata: {name: set}\n"
	tests := []struct {
		name, config string
		wantImage    string // "" when the function must fail
		wantErr      string
	}{
		{name: "no config", wantImage: "ghcr.io/org/app:1.0.0"},
		{name: "kpt's default ConfigMap", config: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\n", wantImage: "ghcr.io/org/app:1.0.0"},
		{name: "a policy", config: head + "spec: {policies: [{namespace: flux-system, name: app, image: ghcr.io/org/app, tag: 1.1.0}]}\n",
			wantImage: "ghcr.io/org/app:1.1.0"},
		{name: "a ConfigMap with data", config: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {tag: 1.1.0}\n",
			wantErr: "a ConfigMap with data (kpt fn eval -- key=value) is not accepted"},
		{name: "another kind", config: "apiVersion: config.oamgitops.dev/v1alpha1\nkind: SetImage\n",
			wantErr: "config.oamgitops.dev/v1alpha1 SetImage is not accepted: expected config.oamgitops.dev/v1alpha1 SetImages"},
		{name: "a misspelt field", config: head + "spec: {policies: [{namespace: flux-system, name: app, image: ghcr.io/org/app, tags: 1.1.0}]}\n",
			wantErr: `unknown field "spec.policies[0].tags"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rl := &framework.ResourceList{Items: []*yaml.RNode{yaml.MustParse(item)}}
			if tt.config != "" {
				rl.FunctionConfig = yaml.MustParse(tt.config)
			}
			err := setters.Function{}.Process(rl)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(rl.Results.Error(), tt.wantErr) {
					t.Fatalf("results %v, want an error with %q", rl.Results, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v: %v", err, rl.Results)
			}
			got, _ := rl.Items[0].Pipe(yaml.Lookup("spec", "template", "spec", "containers", "0", "image"))
			if img := yaml.GetValue(got); img != tt.wantImage {
				t.Errorf("image %q, want %q", img, tt.wantImage)
			}
		})
	}
}

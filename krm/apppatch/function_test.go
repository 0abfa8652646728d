package apppatch_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/apppatch"
)

const app = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: shop
  labels: {team: web}
spec:
  components:
    - name: api
      type: webservice
      dependsOn: [db]
      properties:
        image: api:1 # {"$imagepolicy": "default:api"}
        env: [{name: A, value: "1"}]
        limit: {cpu: "1"}
      traits:
        - type: scaler
          properties: {replicas: 1}
        - type: labels
          properties: {a: b}
    - name: db
      type: worker
      properties: {image: db:1}
`

func process(t *testing.T, config string) (string, framework.Results) {
	t.Helper()
	rl := &framework.ResourceList{Items: []*yaml.RNode{yaml.MustParse(app)}}
	if config != "" {
		rl.FunctionConfig = yaml.MustParse(config)
	}
	err := apppatch.Function{}.Process(rl)
	if err != nil {
		return "", rl.Results
	}
	var b strings.Builder
	if err := (kio.ByteWriter{Writer: &b}).Write(rl.Items); err != nil {
		t.Fatal(err)
	}
	return b.String(), rl.Results
}

const head = "apiVersion: config.oamgitops.dev/v1alpha1\nkind: ApplicationPatch\nmetadata: {name: p}\nspec:\n"

func TestProcess(t *testing.T) {
	tests := map[string]struct {
		spec     string
		contains []string
		lacks    []string
		warnings int
	}{
		"properties merge, lists replaced, untouched values keep comments": {
			spec:     "  components:\n    - name: ^api$\n      properties: {env: [{name: B, value: \"2\"}], limit: {memory: 1Gi}}\n",
			contains: []string{`image: api:1 # {"$imagepolicy": "default:api"}`, "name: B", "memory: 1Gi", "cpu: \"1\"", "dependsOn: [db]"},
			lacks:    []string{"name: A"},
		},
		"traits by type: merge, disable, append": {
			spec:     "  components:\n    - name: ^api$\n      traits:\n        - {type: scaler, properties: {replicas: 4}}\n        - {type: labels, disable: true}\n        - {type: expose, properties: {port: [80]}}\n",
			contains: []string{"replicas: 4", "type: expose"},
			lacks:    []string{"type: labels", "a: b"},
		},
		"a different type replaces the component": {
			spec:     "  components:\n    - {name: ^db$, type: raw, properties: {apiVersion: v1, kind: ConfigMap}}\n",
			contains: []string{"type: raw", "kind: ConfigMap"},
			lacks:    []string{"image: db:1"},
		},
		"an unmatched name adds a component": {
			spec:     "  components:\n    - {name: cache, type: worker, properties: {image: redis}}\n",
			contains: []string{"name: cache", "image: redis", "name: db"},
		},
		"unanchored name warns": {
			spec:     "  components:\n    - {name: a, properties: {cpu: \"2\"}}\n",
			contains: []string{"cpu: \"2\""},
			warnings: 1,
		},
		"component selector keeps only the named": {
			spec:  "  components: []\n  componentSelector: [db]\n",
			lacks: []string{"name: api"},
		},
		"selector by name that does not match leaves the Application": {
			spec:     "  selector: {names: [other]}\n  components:\n    - {name: ^db$, properties: {image: db:2}}\n",
			contains: []string{"image: 'db:1'"},
		},
		"selector by labels": {
			spec:     "  selector: {labels: {team: web}}\n  components:\n    - {name: ^db$, properties: {image: db:2}}\n",
			contains: []string{"image: 'db:2'"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, results := process(t, head+tc.spec)
			if results.ExitCode() != 0 {
				t.Fatalf("results: %v", results)
			}
			for _, s := range tc.contains {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tc.lacks {
				if strings.Contains(out, s) {
					t.Errorf("output has %q:\n%s", s, out)
				}
			}
			if diff := cmp.Diff(tc.warnings, len(results)); diff != "" {
				t.Errorf("warnings (-want +got): %s %v", diff, results)
			}
		})
	}
}

func TestProcessErrors(t *testing.T) {
	tests := map[string]struct{ config, want string }{
		"wrong kind":       {config: "apiVersion: config.oamgitops.dev/v1alpha1\nkind: Patch\nmetadata: {name: p}\nspec: {components: [{name: a}]}\n", want: "config.oamgitops.dev/v1alpha1 Patch is not accepted: expected config.oamgitops.dev/v1alpha1 ApplicationPatch"},
		"a misspelt field": {config: head + "  selector: {names: [a]}\n  component: [{name: a}]\n", want: `unknown field "spec.component"`},
		"no config":        {config: "", want: "a config of kind config.oamgitops.dev/v1alpha1 ApplicationPatch is required"},
		"kpt's default ConfigMap": {config: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\n",
			want: "a config of kind config.oamgitops.dev/v1alpha1 ApplicationPatch is required"},
		"no patches":      {config: head + "  selector: {names: [a]}\n", want: "spec.components: at least one component patch is required"},
		"bad trait patch": {config: head + "  components: [{name: a, traits: [{properties: {}}]}]\n", want: "spec.components[0].traits[0].type: is required"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, results := process(t, tc.config)
			if results.ExitCode() == 0 || !strings.Contains(results.Error(), tc.want) {
				t.Errorf("results %v, want an error containing %q", results, tc.want)
			}
		})
	}
}

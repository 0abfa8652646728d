package render_test

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/oamgitops/kubectl-gitops/catalog"
	"github.com/oamgitops/kubectl-gitops/krm/render"
)

// What is meant as an Application but would pass through unrendered is an
// error naming the field; other objects pass.
func TestRenderRefusesNearApplications(t *testing.T) {
	const body = "metadata: {name: a, namespace: default, annotations: {config.kubernetes.io/path: a.yaml}}\n" +
		"spec:\n  components:\n    - {name: web, type: webservice, properties: {image: nginx}}\n"
	tests := []struct {
		name, head, want string
	}{
		{"an older version", "apiVersion: core.oam.dev/v1alpha2\nkind: Application\n",
			"a.yaml: Application default/a: apiVersion: core.oam.dev/v1alpha2 is not rendered: only core.oam.dev/v1beta1 Applications are"},
		{"a misspelt kind", "apiVersion: core.oam.dev/v1beta1\nkind: Aplication\n", `kind: "Aplication" is no kind of core.oam.dev/v1beta1; did you mean Application?`},
		{"the kind in lower case", "apiVersion: core.oam.dev/v1beta1\nkind: application\n", "did you mean Application?"},
		{"no spec", "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a, namespace: default}\n#", "spec: is required"},
		{"Argo CD's Application", "apiVersion: argoproj.io/v1alpha1\nkind: Application\n", ""},
		{"a definition", "apiVersion: core.oam.dev/v1beta1\nkind: ResourceTracker\n", ""},
	}
	builtins, err := catalog.Registry()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.head + body
			if strings.HasSuffix(tt.head, "#") {
				in = tt.head
			}
			items, err := (&kio.ByteReader{Reader: strings.NewReader(in)}).Read()
			if err != nil {
				t.Fatal(err)
			}
			cfg := &render.Config{APIVersion: render.ConfigAPIVersion, Kind: render.ConfigKind}
			if err := cfg.Default(); err != nil {
				t.Fatal(err)
			}
			_, results := render.Function{Builtins: builtins}.Render(items, cfg)
			switch {
			case tt.want == "" && results.ExitCode() != 0:
				t.Errorf("results %v, want none", results)
			case tt.want != "" && (results.ExitCode() == 0 || !strings.Contains(results.Error(), tt.want)):
				t.Errorf("results %v, want an error with %q", results, tt.want)
			}
		})
	}
}

// A step or cluster the function config names that selects nothing of an
// Application is a warning naming the file and the Application, with what
// there was to select.
func TestRenderWarnsOfSelectionsThatSelectNothing(t *testing.T) {
	const in = "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a, namespace: default, annotations: {config.kubernetes.io/path: a.yaml}}\n" +
		"spec:\n  components:\n    - {name: web, type: webservice, properties: {image: nginx}}\n"
	builtins, err := catalog.Registry()
	if err != nil {
		t.Fatal(err)
	}
	for field, set := range map[string]func(*render.Config){
		`spec.step "deploy-prdo"`: func(c *render.Config) { c.Spec.Step = "deploy-prdo" },
		`spec.cluster "nope"`:     func(c *render.Config) { c.Spec.Cluster = "nope" },
	} {
		items, err := (&kio.ByteReader{Reader: strings.NewReader(in)}).Read()
		if err != nil {
			t.Fatal(err)
		}
		cfg := &render.Config{APIVersion: render.ConfigAPIVersion, Kind: render.ConfigKind}
		set(cfg)
		if err := cfg.Default(); err != nil {
			t.Fatal(err)
		}
		_, results := render.Function{Builtins: builtins}.Render(items, cfg)
		want := "a.yaml: Application default/a: the function config's " + field + " selects nothing of this Application"
		if results.ExitCode() != 0 || len(results) != 1 || !strings.Contains(results[0].Message, want) || !strings.Contains(results[0].Message, "its steps: web") {
			t.Errorf("%s: results %v, want one warning with %q", field, results, want)
		}
	}
}

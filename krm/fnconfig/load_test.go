package fnconfig

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// testConfig is a config of kind TestConfig with one defaulted field.
type testConfig struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		Version string   `json:"version,omitempty"`
		Names   []string `json:"names,omitempty"`
		Items   []struct {
			Name   string         `json:"name"`
			Values map[string]any `json:"values,omitempty"`
		} `json:"items,omitempty"`
		inlined `json:",inline"`
	} `json:"spec"`
}

type inlined struct {
	Step string `json:"step,omitempty"`
}

func (c *testConfig) Default() error {
	if c.Spec.Version == "" {
		c.Spec.Version = "v1.0.0"
	}
	return nil
}

func (c *testConfig) Validate() error {
	for i, n := range c.Spec.Names {
		if n == "" {
			return fmt.Errorf("spec.names[%d]: must not be empty", i)
		}
	}
	return nil
}

var testKind = Kind{APIVersion: "config.example/v1", Kind: "TestConfig"}

func TestLoad(t *testing.T) {
	tests := []struct {
		name      string
		src       string // "" for none
		wantGiven bool
		want      string // spec.version after the load
		wantErr   string
	}{
		{name: "no config: defaults", want: "v1.0.0"},
		{name: "kpt's default ConfigMap: defaults", src: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\n", want: "v1.0.0"},
		{name: "a ConfigMap with empty data: defaults", src: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {}\n", want: "v1.0.0"},
		{name: "the accepted kind", src: "apiVersion: config.example/v1\nkind: TestConfig\nspec: {version: v2}\n", wantGiven: true, want: "v2"},
		{name: "defaulted when given", src: "apiVersion: config.example/v1\nkind: TestConfig\nspec: {}\n", wantGiven: true, want: "v1.0.0"},
		{name: "metadata with the tools' annotations is not checked", wantGiven: true, want: "v2",
			src: "apiVersion: config.example/v1\nkind: TestConfig\nmetadata: {name: c, annotations: {config.kubernetes.io/local-config: 'true', internal.config.kubernetes.io/path: fn.yaml}}\nspec: {version: v2}\n"},
		{name: "a ConfigMap with data", src: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {version: v2}\n", wantGiven: true,
			wantErr: "a ConfigMap with data (kpt fn eval -- key=value) is not accepted: give a config of kind config.example/v1 TestConfig"},
		{name: "another kind", src: "apiVersion: config.example/v1\nkind: Other\n", wantGiven: true,
			wantErr: "config.example/v1 Other is not accepted: expected config.example/v1 TestConfig"},
		{name: "another apiVersion", src: "apiVersion: config.example/v2\nkind: TestConfig\n", wantGiven: true,
			wantErr: "config.example/v2 TestConfig is not accepted"},
		{name: "a misspelt field", src: "apiVersion: config.example/v1\nkind: TestConfig\nspec: {verison: v2}\n", wantGiven: true,
			wantErr: `config.example/v1 TestConfig: unknown field "spec.verison"`},
		{name: "a misspelt field in a list item", src: "apiVersion: config.example/v1\nkind: TestConfig\nspec: {items: [{name: a}, {nmae: b}]}\n", wantGiven: true,
			wantErr: `unknown field "spec.items[1].nmae"`},
		{name: "free-form values and inlined fields are known", src: "apiVersion: config.example/v1\nkind: TestConfig\nspec: {step: s, items: [{name: a, values: {any: {thing: 1}}}]}\n", wantGiven: true,
			want: "v1.0.0"},
		{name: "an unknown top-level field", src: "apiVersion: config.example/v1\nkind: TestConfig\nsepc: {}\n", wantGiven: true,
			wantErr: `unknown field "sepc"`},
		{name: "a field of the wrong type", src: "apiVersion: config.example/v1\nkind: TestConfig\nspec: {names: one}\n", wantGiven: true,
			wantErr: "config.example/v1 TestConfig: cannot unmarshal string into Go struct field"},
		{name: "invalid after defaults", src: "apiVersion: config.example/v1\nkind: TestConfig\nspec: {names: ['']}\n", wantGiven: true,
			wantErr: "spec.names[0]: must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var src *yaml.RNode
			if tt.src != "" {
				src = yaml.MustParse(tt.src)
			}
			cfg := &testConfig{}
			given, err := Load(src, cfg, testKind)
			if given != tt.wantGiven {
				t.Errorf("given = %v, want %v", given, tt.wantGiven)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, cfg.Spec.Version); diff != "" {
				t.Errorf("spec.version (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResultNamesFileAndObject(t *testing.T) {
	src := yaml.MustParse("apiVersion: config.example/v1\nkind: Other\nmetadata: {name: c, annotations: {internal.config.kubernetes.io/path: fn/config.yaml, internal.config.kubernetes.io/index: '0'}}\n")
	_, err := Load(src, &testConfig{}, testKind)
	r := Result(src, err)
	if r.File == nil || r.File.Path != "fn/config.yaml" || r.ResourceRef == nil || r.ResourceRef.Name != "c" || r.ResourceRef.Kind != "Other" ||
		!strings.HasPrefix(r.Message, "function config: config.example/v1 Other is not accepted") {
		t.Errorf("result %+v (file %+v, ref %+v)", r, r.File, r.ResourceRef)
	}
}

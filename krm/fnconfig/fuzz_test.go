package fnconfig

import (
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// FuzzLoad feeds arbitrary configs to Load: it may refuse them, but must
// not panic, and a config it takes is of the accepted kind.
func FuzzLoad(f *testing.F) {
	f.Add("apiVersion: config.example/v1\nkind: TestConfig\nspec: {version: v2, names: [a], items: [{name: x, values: {a: 1}}], step: s}\n")
	f.Add("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n")
	f.Add("apiVersion: config.example/v1\nkind: TestConfig\nspec: {items: [{nmae: x}], names: 1}\n")
	f.Fuzz(func(t *testing.T, doc string) {
		n, err := yaml.Parse(doc)
		if err != nil || n == nil || n.YNode() == nil || n.YNode().Kind != yaml.MappingNode {
			return
		}
		cfg := &testConfig{}
		given, err := Load(n, cfg, testKind)
		if given && err == nil && (n.GetApiVersion() != testKind.APIVersion || n.GetKind() != testKind.Kind) {
			t.Fatalf("took a config of %s %s", n.GetApiVersion(), n.GetKind())
		}
	})
}

package oam_test

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
)

// FuzzParse feeds arbitrary documents to the parser: it may reject them,
// but must not panic, and every rejection names a field or the object.
func FuzzParse(f *testing.F) {
	f.Add("apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\nspec: {components: [{name: c, type: webservice, properties: {image: x}}]}\n")
	f.Add("apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\nspec: {components: [{name: c, type: t, traits: [{type: x, properties: [1]}]}], policies: [{type: override}], workflow: {steps: [{type: deploy, subSteps: [{}]}]}}\n")
	f.Add("apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a, labels: {x: 1}}\nspec: {components: &a [*a]}\n")
	f.Fuzz(func(t *testing.T, doc string) {
		n, err := yaml.Parse(doc)
		if err != nil || n == nil || n.YNode() == nil {
			return
		}
		app, err := oam.Parse(n)
		if err == nil && app.Name == "" {
			t.Fatalf("accepted an Application without a name: %q", doc)
		}
	})
}

// FuzzReadStreamNeverQuotes: whatever a file holds, an error reading it
// never repeats its text.
func FuzzReadStreamNeverQuotes(f *testing.F) {
	f.Add("- a\n- b\n")
	f.Add("a: [b\n")
	f.Add("apiVersion: v1\nkind: ConfigMap\n---\nplain\n")
	f.Fuzz(func(t *testing.T, doc string) {
		const secret = "zq9-S3CRET-9qz"
		data := doc + "\n" + secret + "\n"
		_, err := oam.ReadStream("f.yaml", []byte(data), nil)
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Fatalf("the error quotes the file: %v", err)
		}
	})
}

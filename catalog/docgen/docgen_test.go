package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/catalog"
	"github.com/oamgitops/kubectl-gitops/krm/definition"
)

const sampleDef = `
sample: {
	type:        "trait"
	description: "A sample trait for <tests>."
	attributes: {
		appliesToWorkloads: ["deployments.apps"]
		podDisruptive: true
	}
}

template: {
	#Item: {
		// +usage=Item key
		key: string
		// +usage=Mode | bits
		mode: *420 | int
	}
	parameter: {
		// +usage=How many
		replicas: *1 | int
		// +usage=Pick one
		// +short=k
		kind?: "A" | "B"
		// Plain comment, no usage tag
		name: string
		labels?: [string]: string
		items?: [...#Item]
		nested: {
			deep?: {leaf: bool}
		}
		tags: *[] | [...string]
	}
	outputs: x: {apiVersion: "v1", kind: "ConfigMap", data: n: "\(parameter.replicas)"}
}
`

const sampleWant = "# Built-in definitions" // checked separately below

const sampleSection = "\n### sample\n\n" +
	"A sample trait for &lt;tests&gt;.\n\n" +
	"- Applies to: `deployments.apps`\n" +
	"- Pod disruptive: yes\n" +
	"- Source: [traits/sample.cue](traits/sample.cue)\n\n" +
	"| Parameter | Type | Required | Default | Description |\n|---|---|---|---|---|\n" +
	"| `replicas` | `int` | no | `1` | How many |\n" +
	"| `kind` | `\"A\" \\| \"B\"` | no |  | Pick one |\n" +
	"| `name` | `string` | yes |  | Plain comment, no usage tag |\n" +
	"| `labels` | `map[string]string` | no |  |  |\n" +
	"| `items` | `[]object` | no |  |  |\n" +
	"| `items[].key` | `string` | yes |  | Item key |\n" +
	"| `items[].mode` | `int` | no | `420` | Mode \\| bits |\n" +
	"| `nested` | `object` | no |  |  |\n" +
	"| `nested.deep` | `object` | no |  |  |\n" +
	"| `nested.deep.leaf` | `bool` | yes |  |  |\n" +
	"| `tags` | `[]string` | no | `[]` |  |\n"

func TestWriteDocs(t *testing.T) {
	def, err := definition.LoadCUE("catalog/traits/sample.cue", []byte(sampleDef))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := writeDocs(&out, []*definition.Definition{def}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.HasPrefix(got, sampleWant) || !strings.Contains(got, "make catalog-docs") {
		t.Errorf("missing title or generated-file notice:\n%s", got)
	}
	if !strings.Contains(got, "| [sample](#sample) | A sample trait for &lt;tests&gt;. |\n") {
		t.Errorf("missing table of contents row:\n%s", got)
	}
	_, section, _ := strings.Cut(got, "\n### sample\n")
	if diff := cmp.Diff(sampleSection, "\n### sample\n"+section); diff != "" {
		t.Errorf("section (-want +got):\n%s", diff)
	}
}

func TestAnchors(t *testing.T) {
	a := anchors{}
	var got []string
	for _, h := range []string{"Traits", "traits", "k8s-objects", "Workflow steps", "traits"} {
		got = append(got, a.take(h))
	}
	want := []string{"traits", "traits-1", "k8s-objects", "workflow-steps", "traits-2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("anchors (-want +got):\n%s", diff)
	}
}

// The built-in catalog documents without error and the same way twice.
func TestBuiltinsDeterministic(t *testing.T) {
	defs, err := catalog.Builtins()
	if err != nil {
		t.Fatal(err)
	}
	var first, second bytes.Buffer
	if err := writeDocs(&first, defs); err != nil {
		t.Fatal(err)
	}
	if err := writeDocs(&second, defs); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first.String(), second.String()); diff != "" {
		t.Errorf("output differs between runs (-first +second):\n%s", diff)
	}
}

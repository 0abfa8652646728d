package cmd

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
)

// build masks every value of a Secret (data, stringData; a nested or
// block value too), never another kind's, and counts what it masked.
func TestMaskSecrets(t *testing.T) {
	nodes, err := kio.FromBytes([]byte(`apiVersion: v1
kind: Secret
metadata: {name: s}
data: {a: cGxhaW4tYQ==}
stringData:
  b: plain-b
  c: |
    multi
    plain-c
  d: '***'
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data: {a: shown}
`))
	if err != nil {
		t.Fatal(err)
	}
	if n := maskSecrets(nodes); n != 3 {
		t.Errorf("masked %d values, want 3 (d was masked already)", n)
	}
	out, _ := kio.StringAll(nodes)
	for _, leak := range []string{"cGxhaW4tYQ==", "plain-b", "plain-c"} {
		if strings.Contains(out, leak) {
			t.Errorf("%q printed:\n%s", leak, out)
		}
	}
	if !strings.Contains(out, "a: shown") || strings.Count(out, "'***'") != 4 {
		t.Errorf("want the ConfigMap as it is and four masks:\n%s", out)
	}
}

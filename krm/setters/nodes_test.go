package setters

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestSetNodes(t *testing.T) {
	in := "kind: Kustomization\nimages:\n- newTag: !!float 1.0 # {\"$imagepolicy\": \"flux-system:num:tag\"}\n  newName: old # {\"$imagepolicy\": \"flux-system:num:name\"}\n"
	node, err := yaml.Parse(in)
	must(t, err)
	changes, notes := SetNodes("k.yaml", []*yaml.Node{node.YNode()}, testPolicies)
	if len(changes) != 2 || len(notes) != 0 {
		t.Fatalf("changes %+v notes %+v", changes, notes)
	}
	out, err := node.String()
	must(t, err)
	want := "kind: Kustomization\nimages:\n- newTag: \"1.10\" # {\"$imagepolicy\": \"flux-system:num:tag\"}\n  newName: ghcr.io/org/num # {\"$imagepolicy\": \"flux-system:num:name\"}\n"
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !strings.Contains(changes[0].Object, "Kustomization") {
		t.Errorf("object %q", changes[0].Object)
	}
}

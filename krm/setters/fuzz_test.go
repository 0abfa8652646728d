package setters

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// FuzzSetBytes checks marker rewriting on arbitrary YAML: it never panics,
// the output still parses, each changed scalar now reads as its new value,
// a second run changes nothing, and only changed files differ.
func FuzzSetBytes(f *testing.F) {
	f.Add([]byte("image: old # {\"$imagepolicy\": \"flux-system:app\"}\n"), "1.2.3")
	f.Add([]byte("a:\n  # {\"$imagepolicy\": \"flux-system:app:tag\"}\n  - 'x'\nb: !!int 5 # {\"$imagepolicy\": \"flux-system:app:tag\"}\n"), "true")
	f.Add([]byte("c: {image: \"o\\\"ld\", n: 1} # {\"$imagepolicy\": \"flux-system:app:tag\"}\nd: &a x # {\"$imagepolicy\": \"flux-system:app:tag\"}\n"), "a b#c")
	f.Fuzz(func(t *testing.T, data []byte, tag string) {
		// OCI tags are ASCII; keep to valid UTF-8 without NUL
		if tag == "" || !utf8.ValidString(tag) || bytes.ContainsAny([]byte(tag), "\x00") {
			return
		}
		policies := NewPolicies(Policy{Namespace: "flux-system", Name: "app", Image: "ghcr.io/org/app", Tag: tag})
		res, err := SetBytes("f.yaml", data, policies)
		if err != nil {
			return
		}
		if len(res.Changes) == 0 {
			if !bytes.Equal(res.Data, data) {
				t.Fatal("no change reported but bytes differ")
			}
			return
		}
		again, err := SetBytes("f.yaml", res.Data, policies)
		if err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, res.Data)
		}
		if len(again.Changes) != 0 {
			t.Fatalf("second run changed %+v\n%s", again.Changes, res.Data)
		}
		dec := yaml.NewDecoder(bytes.NewReader(res.Data))
		var docs []*yaml.Node
		for {
			var n yaml.Node
			if dec.Decode(&n) != nil {
				break
			}
			docs = append(docs, &n)
		}
		for i, d := range docs {
			for _, tg := range marked(d, i) {
				if tg.err != nil {
					continue
				}
				if _, ok := policies[tg.marker.PolicyID()]; ok && tg.node.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 && tg.node.Value != "" {
					if tg.node.ShortTag() != yaml.NodeTagString {
						t.Fatalf("%s reads as %s\n%s", tg.field, tg.node.ShortTag(), res.Data)
					}
				}
			}
		}
	})
}

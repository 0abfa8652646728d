package setters

import (
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// SetNodes sets the marked scalars of parsed documents in place, for KRM
// functions (whose output is re-encoded anyway). Quoting follows SetBytes:
// a value that would not read back as a string is double-quoted and a
// stale type tag is cleared. file names the input in changes and notes
// ("" when unknown); docs[i] is document i+1.
func SetNodes(file string, docs []*yaml.Node, policies Policies) ([]Change, []Note) {
	var changes []Change
	var notes []Note
	for i, doc := range docs {
		for _, t := range marked(doc, i) {
			note := Note{File: file, Line: t.node.Line, Object: t.object, Field: t.field}
			if t.err != nil {
				note.Level, note.Message = Warning, t.err.Error()
				notes = append(notes, note)
				continue
			}
			v, n := resolve(t, policies, note)
			if n != nil {
				notes = append(notes, *n)
				continue
			}
			if v == t.node.Value {
				continue
			}
			if t.node.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				note.Level, note.Message = Warning, "a block scalar (| or >) cannot be set; left alone"
				notes = append(notes, note)
				continue
			}
			changes = append(changes, Change{File: file, Line: t.node.Line, Object: t.object, Field: t.field,
				Setter: t.marker.String(), OldValue: t.node.Value, NewValue: v})
			setScalar(t.node, v)
		}
	}
	return changes, notes
}

func setScalar(n *yaml.Node, v string) {
	n.Value = v
	if isStaleTag(n.Tag) || n.Tag == "" {
		n.Tag = yaml.NodeTagString
	}
	n.Style &^= yaml.TaggedStyle
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 && !plainSafe(v) {
		n.Style = yaml.DoubleQuotedStyle
	}
}

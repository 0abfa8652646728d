package setters

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ErrNotYAML is wrapped by SetBytes when the input does not parse.
var ErrNotYAML = errors.New("not YAML")

// Result is what SetBytes did to one file.
type Result struct {
	// Data is the new content; it is the input itself when nothing changed.
	Data    []byte
	Changes []Change
	Notes   []Note
}

// edit replaces data[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// SetBytes rewrites the marked scalars of a YAML stream, changing no other
// byte. file names the input in changes and notes. A stream that does not
// parse is an error wrapping ErrNotYAML, naming the file.
func SetBytes(file string, data []byte, policies Policies) (Result, error) {
	res := Result{Data: data}
	if !bytes.Contains(data, []byte(MarkerKey)) {
		return res, nil
	}
	lines := lineStarts(data)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var edits []edit
	for i := 0; ; i++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Result{Data: data}, fmt.Errorf("%s: %w: %v", file, ErrNotYAML, err)
		}
		for _, t := range marked(&doc, i) {
			note := Note{File: file, Line: t.node.Line, Object: t.object, Field: t.field}
			if t.err != nil {
				note.Level, note.Message = Warning, t.err.Error()
				res.Notes = append(res.Notes, note)
				continue
			}
			newValue, n := resolve(t, policies, note)
			if n != nil {
				res.Notes = append(res.Notes, *n)
				continue
			}
			if newValue == t.node.Value {
				continue
			}
			es, err := spliceScalar(data, lines, t.node, newValue)
			if err != nil {
				note.Level, note.Message = Warning, err.Error()+"; left alone"
				res.Notes = append(res.Notes, note)
				continue
			}
			edits = append(edits, es...)
			res.Changes = append(res.Changes, Change{File: file, Line: t.node.Line, Object: t.object, Field: t.field,
				Setter: t.marker.String(), OldValue: t.node.Value, NewValue: newValue})
		}
	}
	if len(edits) == 0 {
		return res, nil
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var out bytes.Buffer
	out.Grow(len(data) + 64)
	last := 0
	for _, e := range edits {
		out.Write(data[last:e.start])
		out.WriteString(e.text)
		last = e.end
	}
	out.Write(data[last:])
	res.Data = out.Bytes()
	return res, nil
}

// resolve finds the marker's new value, or a note saying why there is none.
func resolve(t target, policies Policies, note Note) (string, *Note) {
	p, ok := policies[t.marker.PolicyID()]
	if !ok {
		note.Level, note.UnknownPolicy = Debug, t.marker.PolicyID()
		note.Message = fmt.Sprintf("marker names policy %s, which is not given; left alone", note.UnknownPolicy)
		return "", &note
	}
	v, ok := p.Value(t.marker.Part)
	if !ok {
		note.Level, note.Message = Warning, fmt.Sprintf("policy %s has no %s; left alone", p.ID(), t.marker.Part)
		return "", &note
	}
	return v, nil
}

func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, b := range data {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// spliceScalar returns the edits that set n to v: the value's bytes, in
// the same quoting style when it still reads as a string, and the removal
// of a stale type tag.
func spliceScalar(data []byte, lines []int, n *yaml.Node, v string) ([]edit, error) {
	if n.Line < 1 || n.Line > len(lines) {
		return nil, fmt.Errorf("scalar position out of range")
	}
	pos := lines[n.Line-1]
	for c := 1; c < n.Column && pos < len(data); c++ {
		_, size := utf8.DecodeRune(data[pos:])
		pos += size
	}
	var edits []edit
	for pos < len(data) && (data[pos] == '!' || data[pos] == '&') {
		start := pos
		for pos < len(data) && !isBlank(data[pos]) {
			pos++
		}
		isTag := data[start] == '!'
		for pos < len(data) && (data[pos] == ' ' || data[pos] == '\t') {
			pos++
		}
		if isTag && isStaleTag(n.Tag) {
			// remove the tag and the blanks after it; an anchor stays
			edits = append(edits, edit{start: start, end: pos})
		}
	}
	end, err := scalarEnd(data, pos, n)
	if err != nil {
		return nil, err
	}
	text := v
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		text = doubleQuoted(v)
	case n.Style&yaml.SingleQuotedStyle != 0 && plainPrintable(v):
		text = singleQuoted(v)
	case n.Style&yaml.SingleQuotedStyle != 0 || !plainSafe(v):
		text = doubleQuoted(v)
	}
	return append(edits, edit{start: pos, end: end, text: text}), nil
}

func isBlank(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

func plainPrintable(v string) bool {
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// scalarEnd finds the end of the scalar n starting at pos. Only one-line
// plain and quoted scalars are handled.
func scalarEnd(data []byte, pos int, n *yaml.Node) (int, error) {
	rest := data[pos:]
	switch {
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return 0, fmt.Errorf("a block scalar (| or >) cannot be set")
	case n.Style&yaml.DoubleQuotedStyle != 0:
		if len(rest) == 0 || rest[0] != '"' {
			return 0, fmt.Errorf("cannot find the quoted value")
		}
		for i := 1; i < len(rest); i++ {
			switch rest[i] {
			case '\\':
				i++
			case '"':
				return pos + i + 1, nil
			case '\n':
				return 0, fmt.Errorf("a quoted value over several lines cannot be set")
			}
		}
		return 0, fmt.Errorf("cannot find the end of the quoted value")
	case n.Style&yaml.SingleQuotedStyle != 0:
		enc := singleQuoted(n.Value)
		if !bytes.HasPrefix(rest, []byte(enc)) {
			return 0, fmt.Errorf("a quoted value over several lines cannot be set")
		}
		return pos + len(enc), nil
	}
	if n.Value == "" {
		return 0, fmt.Errorf("the value is empty: write the current image there first")
	}
	if !bytes.HasPrefix(rest, []byte(n.Value)) {
		return 0, fmt.Errorf("a plain value over several lines cannot be set")
	}
	return pos + len(n.Value), nil
}

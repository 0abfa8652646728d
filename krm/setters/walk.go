package setters

import (
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Change is one rewritten scalar.
type Change struct {
	// File is the file name given, empty for SetNodes without one.
	File string
	// Line is the scalar's 1-based line in the file.
	Line int
	// Object is "Kind ns/name" of the document, or "document N" when it
	// has no kind.
	Object string
	// Field is the path of the scalar, e.g. spec.template.spec.containers[0].image.
	Field string
	// Setter is the marker's value, e.g. "flux-system:app:tag".
	Setter             string
	OldValue, NewValue string
}

// Level is how much a Note matters.
type Level string

// Levels.
const (
	// Warning: a marker or file that could not be handled.
	Warning Level = "warning"
	// Debug: a marker left alone on purpose (its policy is not given).
	Debug Level = "debug"
)

// Note reports something left alone.
type Note struct {
	Level   Level
	File    string
	Line    int
	Object  string
	Field   string
	Message string
	// UnknownPolicy is the policy a marker names that was not given (its
	// namespace:name), "" for other notes: callers that know more about
	// where policies come from say so without reading Message.
	UnknownPolicy string
}

func (n Note) String() string {
	var b strings.Builder
	b.WriteString(n.File)
	if n.Line > 0 {
		b.WriteString(":" + strconv.Itoa(n.Line))
	}
	if n.Object != "" {
		b.WriteString(": " + n.Object)
	}
	if n.Field != "" {
		b.WriteString(": " + n.Field)
	}
	return b.String() + ": " + n.Message
}

// target is a marked scalar.
type target struct {
	node   *yaml.Node
	field  string
	object string
	marker Marker
	err    error
}

// marked returns the marked scalars of one document, in document order.
func marked(doc *yaml.Node, docIndex int) []target {
	object := objectRef(doc, docIndex)
	var out []target
	var walk func(n *yaml.Node, path string, inSeq bool)
	walk = func(n *yaml.Node, path string, inSeq bool) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path, false)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], join(path, n.Content[i].Value), false)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, path+"["+strconv.Itoa(i)+"]", true)
			}
		case yaml.ScalarNode:
			comment := n.LineComment
			if comment == "" && inSeq {
				comment = lastLine(n.HeadComment)
			}
			if comment == "" {
				return
			}
			m, ok, err := ParseMarker(comment)
			if ok {
				out = append(out, target{node: n, field: path, object: object, marker: m, err: err})
			}
		}
	}
	walk(doc, "", false)
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// objectRef names a document: "Kind ns/name", or "document N".
func objectRef(doc *yaml.Node, index int) string {
	r := yaml.NewRNode(doc)
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		r = yaml.NewRNode(doc.Content[0])
	}
	if r.YNode().Kind == yaml.MappingNode {
		if kind := r.GetKind(); kind != "" {
			ns := r.GetNamespace()
			if ns != "" {
				ns += "/"
			}
			return kind + " " + ns + r.GetName()
		}
	}
	return "document " + strconv.Itoa(index+1)
}

// plainSafe reports whether v can be written as a plain scalar and still
// read back as the same string.
func plainSafe(v string) bool {
	if v == "" || strings.HasSuffix(v, ":") {
		return false
	}
	for i, r := range v {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.', r == '/':
		case i > 0 && strings.ContainsRune(":@+~=-", r):
		default:
			return false
		}
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(v), &n); err != nil || len(n.Content) != 1 {
		return false
	}
	s := n.Content[0]
	return s.Kind == yaml.ScalarNode && s.ShortTag() == yaml.NodeTagString && s.Value == v
}

// isStaleTag reports an explicit tag other than a string tag.
func isStaleTag(tag string) bool {
	switch tag {
	case "", "!", "!!str", "tag:yaml.org,2002:str":
		return false
	}
	return true
}

// doubleQuoted writes v as a YAML double-quoted scalar; Go's escapes are
// a subset of YAML's.
func doubleQuoted(v string) string { return strconv.Quote(v) }

func singleQuoted(v string) string { return "'" + strings.ReplaceAll(v, "'", "''") + "'" }

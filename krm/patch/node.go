package patch

import (
	"fmt"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"
)

// Kind is the shape of a Node.
type Kind int

// The shapes of a Node.
const (
	Scalar Kind = iota
	Struct
	List
)

// Node is a concrete patch value that remembers the comment tags of its
// fields.
type Node struct {
	Kind   Kind
	Fields []Field // Struct
	Items  []*Node // List
	Value  any     // Scalar: string, int64, float64, bool or nil
}

// Field is one field of a struct Node.
type Field struct {
	Name     string
	PatchKey string // +patchKey
	Strategy string // +patchStrategy
	Value    *Node
}

// The strategies a field can carry.
const (
	RetainKeys             = "retainKeys"
	Replace                = "replace"
	JSONMergePatchStrategy = "jsonMergePatch"
	JSONPatchStrategy      = "jsonPatch"
)

// FromSyntax converts a final, concrete CUE expression exported with its
// doc comments (cue.Value.Syntax(cue.Final(), cue.Concrete(true),
// cue.Docs(true))) into a Node.
func FromSyntax(n ast.Node) (*Node, error) {
	switch x := n.(type) {
	case *ast.File:
		return structNode(x.Decls)
	case *ast.StructLit:
		return structNode(x.Elts)
	case *ast.ListLit:
		l := &Node{Kind: List}
		for _, e := range x.Elts {
			if _, ok := e.(*ast.Ellipsis); ok {
				continue
			}
			item, err := FromSyntax(e)
			if err != nil {
				return nil, err
			}
			l.Items = append(l.Items, item)
		}
		return l, nil
	case *ast.BasicLit:
		v, err := basicValue(x)
		if err != nil {
			return nil, err
		}
		return &Node{Kind: Scalar, Value: v}, nil
	case *ast.UnaryExpr:
		if lit, ok := x.X.(*ast.BasicLit); ok && (x.Op == token.SUB || x.Op == token.ADD) {
			v, err := basicValue(lit)
			if err != nil {
				return nil, err
			}
			if x.Op == token.SUB {
				switch n := v.(type) {
				case int64:
					v = -n
				case float64:
					v = -n
				}
			}
			return &Node{Kind: Scalar, Value: v}, nil
		}
	case *ast.Ident:
		switch x.Name {
		case "true":
			return &Node{Kind: Scalar, Value: true}, nil
		case "false":
			return &Node{Kind: Scalar, Value: false}, nil
		case "null":
			return &Node{Kind: Scalar, Value: nil}, nil
		}
	}
	return nil, fmt.Errorf("patch value is not concrete (%T)", n)
}

func structNode(decls []ast.Decl) (*Node, error) {
	s := &Node{Kind: Struct}
	for _, d := range decls {
		switch f := d.(type) {
		case *ast.Field:
			name, _, err := ast.LabelName(f.Label)
			if err != nil {
				return nil, fmt.Errorf("patch field label: %w", err)
			}
			val, err := FromSyntax(f.Value)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			field := Field{Name: name, Value: val}
			for _, g := range ast.Comments(f) {
				for _, c := range g.List {
					readTag(c.Text, &field)
				}
			}
			s.Fields = append(s.Fields, field)
		case *ast.EmbedDecl:
			inner, err := FromSyntax(f.Expr)
			if err != nil {
				return nil, err
			}
			if inner.Kind != Struct {
				return inner, nil
			}
			s.Fields = append(s.Fields, inner.Fields...)
		case *ast.ImportDecl, *ast.Package, *ast.Ellipsis:
		default:
			return nil, fmt.Errorf("patch value is not concrete (%T)", d)
		}
	}
	return s, nil
}

func readTag(text string, f *Field) {
	line := strings.TrimSpace(strings.TrimPrefix(text, "//"))
	k, v, ok := strings.Cut(strings.TrimPrefix(line, "+"), "=")
	if !ok || !strings.HasPrefix(line, "+") {
		return
	}
	v = strings.TrimSpace(v)
	switch strings.TrimSpace(k) {
	case "patchKey":
		f.PatchKey = v
	case "patchStrategy":
		f.Strategy = v
	}
}

func basicValue(x *ast.BasicLit) (any, error) {
	switch x.Kind {
	case token.STRING:
		s, err := literal.Unquote(x.Value)
		if err != nil {
			return nil, fmt.Errorf("string %s: %w", x.Value, err)
		}
		return s, nil
	case token.INT:
		var n literal.NumInfo
		if err := literal.ParseNum(x.Value, &n); err != nil {
			return nil, err
		}
		return strconv.ParseInt(n.String(), 10, 64)
	case token.FLOAT:
		var n literal.NumInfo
		if err := literal.ParseNum(x.Value, &n); err != nil {
			return nil, err
		}
		return strconv.ParseFloat(n.String(), 64)
	case token.TRUE:
		return true, nil
	case token.FALSE:
		return false, nil
	case token.NULL:
		return nil, nil
	}
	return nil, fmt.Errorf("unsupported literal %s", x.Value)
}

// Plain returns the node as plain Go data, dropping the tags.
func (n *Node) Plain() any {
	switch n.Kind {
	case Struct:
		m := make(map[string]any, len(n.Fields))
		for _, f := range n.Fields {
			m[f.Name] = f.Value.Plain()
		}
		return m
	case List:
		l := make([]any, len(n.Items))
		for i, it := range n.Items {
			l[i] = it.Plain()
		}
		return l
	}
	return n.Value
}

// lookup follows a dotted key (patchKey may be "a.b") in a struct node.
func (n *Node) lookup(path []string) (*Node, bool) {
	cur := n
	for _, p := range path {
		if cur.Kind != Struct {
			return nil, false
		}
		var next *Node
		for i := range cur.Fields {
			if cur.Fields[i].Name == p {
				next = cur.Fields[i].Value
			}
		}
		if next == nil {
			return nil, false
		}
		cur = next
	}
	return cur, cur.Kind == Scalar
}

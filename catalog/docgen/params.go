package main

import (
	"fmt"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
)

// maxDepth bounds how far nested parameters are listed, so a recursive
// #Definition cannot loop.
const maxDepth = 8

// param is one row of a parameter table.
type param struct {
	Name     string // a.b for nested fields, a[].b for list items, a.<key> for map values
	Type     string
	Required bool
	Default  string // JSON of the default, "" when there is none
	Usage    string
}

// form is one accepted shape of a definition's parameter; most definitions
// have exactly one.
type form struct {
	Params []param
}

// parameters compiles a definition's template and lists its parameter forms.
func parameters(d *definition.Definition) ([]form, error) {
	v, err := d.Build(cuecontext.New())
	if err != nil {
		return nil, fmt.Errorf("%s: compiling template: %w", d.Origin, err)
	}
	p := v.LookupPath(cue.ParsePath("parameter"))
	if !p.Exists() {
		return nil, nil
	}
	var forms []form
	for _, alt := range alternatives(p) {
		var rows []param
		if err := fields(alt, "", 0, &rows); err != nil {
			return nil, fmt.Errorf("%s: parameter: %w", d.Origin, err)
		}
		for i := range rows {
			if rows[i].Name == "<key>" && rows[i].Usage == "" {
				rows[i].Usage = usage(p.Doc())
			}
		}
		forms = append(forms, form{Params: dedupe(rows)})
	}
	return forms, nil
}

// alternatives splits a disjunction of structs (`#A | close({...})`) into
// its forms; anything else is one form.
func alternatives(v cue.Value) []cue.Value {
	op, args := v.Expr()
	if op != cue.OrOp || len(args) < 2 {
		return []cue.Value{v}
	}
	for _, a := range args {
		if a.IncompleteKind() != cue.StructKind {
			return []cue.Value{v}
		}
	}
	return args
}

// fields appends a row for each field of the struct v, then rows for what
// lies below it.
func fields(v cue.Value, prefix string, depth int, rows *[]param) error {
	if depth > maxDepth {
		return nil
	}
	it, err := v.Fields(cue.Optional(true), cue.Definitions(false))
	if err != nil {
		return err
	}
	any := false
	for it.Next() {
		any = true
		name := prefix + it.Selector().Unquoted()
		if err := field(it.Value(), name, it.IsOptional(), depth, rows); err != nil {
			return err
		}
	}
	if pat := v.LookupPath(cue.MakePath(cue.AnyString)); pat.Exists() && !any && prefix == "" {
		// The whole parameter is a map: one row stands for every key.
		return field(pat, "<key>", true, depth, rows)
	}
	return nil
}

func field(v cue.Value, name string, optional bool, depth int, rows *[]param) error {
	row := param{Name: name, Type: typeOf(v, depth), Usage: usage(v.Doc())}
	op, _ := v.Expr()
	if def, ok := v.Default(); ok && def.IsConcrete() {
		// An open list defaults to [] in CUE; that is only worth showing
		// when the definition spells a default out.
		implicit := v.IncompleteKind() == cue.ListKind && op != cue.OrOp
		if !implicit || !optional {
			if b, err := def.MarshalJSON(); err == nil {
				row.Default = string(b)
			}
		}
	}
	if op != cue.OrOp && v.IsConcrete() && v.IncompleteKind()&(cue.StructKind|cue.ListKind) == 0 {
		// A fixed value is not a default the user can change.
		row.Default = ""
	}
	row.Required = !optional && row.Default == ""
	if row.Required && v.IncompleteKind() == cue.StructKind && !isMap(v) && v.Validate(cue.Concrete(true)) == nil {
		// A struct whose fields all have defaults may be left out. (A map
		// without `?` stays required, as KubeVela lists it.)
		row.Required = false
	}
	*rows = append(*rows, row)
	return below(v, name, depth, rows)
}

// below lists the fields inside a struct, a list's items or a map's values.
func below(v cue.Value, name string, depth int, rows *[]param) error {
	switch v.IncompleteKind() {
	case cue.StructKind:
		for _, alt := range alternatives(v) {
			if isMap(alt) {
				elem := alt.LookupPath(cue.MakePath(cue.AnyString))
				if elem.IncompleteKind() == cue.StructKind {
					if err := fields(elem, name+".<key>.", depth+1, rows); err != nil {
						return err
					}
				}
				continue
			}
			if err := fields(alt, name+".", depth+1, rows); err != nil {
				return err
			}
		}
	case cue.ListKind:
		elem := listElem(v)
		if elem.Exists() && elem.IncompleteKind() == cue.StructKind {
			return below(elem, name+"[]", depth, rows)
		}
	}
	return nil
}

// listElem is the schema of a list's items. A list with a default (`*[] |
// [...T]`) answers lookups with the default, so the schema is looked up in
// the expression too.
func listElem(v cue.Value) cue.Value {
	elem := v.LookupPath(cue.MakePath(cue.AnyIndex))
	if elem.Exists() {
		return elem
	}
	_, args := v.Expr()
	for _, a := range args {
		if e := a.LookupPath(cue.MakePath(cue.AnyIndex)); e.Exists() {
			return e
		}
	}
	return elem
}

// isMap reports whether v is `[string]: T` with no named fields.
func isMap(v cue.Value) bool {
	if !v.LookupPath(cue.MakePath(cue.AnyString)).Exists() {
		return false
	}
	it, err := v.Fields(cue.Optional(true), cue.Definitions(false))
	if err != nil {
		return false
	}
	return !it.Next()
}

// typeOf names a value's type: string, int, "A" | "B", []string,
// map[string]int, object, …
func typeOf(v cue.Value, depth int) string {
	if op, args := v.Expr(); op == cue.OrOp && len(args) > 1 {
		var lits, kinds []string
		for _, a := range args {
			if a.IsConcrete() && a.Kind()&(cue.StructKind|cue.ListKind) == 0 {
				if b, err := a.MarshalJSON(); err == nil {
					lits = append(lits, string(b))
					continue
				}
			}
			kinds = append(kinds, typeOf(a, depth+1))
		}
		if len(kinds) == 0 {
			return strings.Join(lits, " | ")
		}
		if len(lits) == 0 {
			return strings.Join(unique(kinds), " | ")
		}
	}
	k := v.IncompleteKind()
	switch {
	case k == cue.TopKind:
		return "any"
	case k == cue.StructKind:
		if isMap(v) && depth < maxDepth {
			elem := v.LookupPath(cue.MakePath(cue.AnyString))
			if elem.IncompleteKind() == cue.TopKind {
				return "object" // {...}: any fields
			}
			return "map[string]" + typeOf(elem, depth+1)
		}
		return "object"
	case k == cue.ListKind:
		elem := listElem(v)
		if !elem.Exists() || depth >= maxDepth {
			return "list"
		}
		return "[]" + typeOf(elem, depth+1)
	case k == cue.NumberKind:
		return "number"
	}
	var parts []string
	for _, c := range []struct {
		k    cue.Kind
		name string
	}{{cue.NullKind, "null"}, {cue.BoolKind, "bool"}, {cue.IntKind, "int"}, {cue.FloatKind, "float"},
		{cue.StringKind, "string"}, {cue.BytesKind, "bytes"}, {cue.ListKind, "list"}, {cue.StructKind, "object"}} {
		if k&c.k != 0 {
			parts = append(parts, c.name)
		}
	}
	if len(parts) == 0 {
		return "any"
	}
	return strings.Join(parts, " | ")
}

func unique(s []string) []string {
	seen := map[string]bool{}
	out := s[:0]
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// usage reads the `// +usage=` text of a field; without one, its plain
// comment lines. Other `+tag` lines are skipped.
func usage(groups []*ast.CommentGroup) string {
	var plain []string
	for _, g := range groups {
		for _, c := range g.List {
			line := strings.TrimSpace(strings.TrimPrefix(c.Text, "//"))
			if text, ok := strings.CutPrefix(line, "+usage="); ok {
				return strings.TrimSpace(text)
			}
			if line != "" && !strings.HasPrefix(line, "+") {
				plain = append(plain, line)
			}
		}
	}
	return strings.Join(plain, " ")
}

// dedupe keeps the first row of each name, in order: forms of a nested
// disjunction often share fields.
func dedupe(rows []param) []param {
	seen := map[string]bool{}
	out := rows[:0]
	for _, r := range rows {
		if !seen[r.Name] {
			seen[r.Name] = true
			out = append(out, r)
		}
	}
	return out
}

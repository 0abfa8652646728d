package definition

import (
	"fmt"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
)

// LoadCUE reads a definition in the CUE file form:
//
//	import (...)
//	<name>: {type: "component" | "trait" | "policy" | "workflow-step", attributes: {...}, ...}
//	template: {...}
//
// origin names the file in messages.
func LoadCUE(origin string, src []byte) (*Definition, error) {
	f, err := parser.ParseFile(origin, src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", origin, cueError(err))
	}
	var meta, tmpl *ast.Field
	var imports []ast.Decl
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.ImportDecl, *ast.Package:
			imports = append(imports, d)
		case *ast.Field:
			name, _, _ := ast.LabelName(d.Label)
			if name == "template" {
				tmpl = d
				continue
			}
			if meta != nil {
				return nil, fmt.Errorf("%s: more than one definition header (%q and %q)", origin, labelOf(meta), name)
			}
			meta = d
		}
	}
	if meta == nil {
		return nil, fmt.Errorf("%s: no definition header such as `mytype: {type: \"component\"}`", origin)
	}
	if tmpl == nil {
		return nil, fmt.Errorf("%s: definition %q has no template", origin, labelOf(meta))
	}
	body, ok := tmpl.Value.(*ast.StructLit)
	if !ok {
		return nil, fmt.Errorf("%s: template of %q must be a struct", origin, labelOf(meta))
	}
	d := &Definition{Name: labelOf(meta), Origin: origin}
	if err := d.readMeta(meta); err != nil {
		return nil, fmt.Errorf("%s: definition %q: %w", origin, d.Name, err)
	}
	d.Template = templateFile(origin, imports, body.Elts)
	d.PatchStrategy = patchStrategy(body.Elts)
	d.Context = contextUse(body.Elts)
	return d, nil
}

// ParseTemplate reads a template body given as text (the YAML form's
// spec.schematic.cue.template).
func ParseTemplate(origin, text string) (*ast.File, string, ContextUse, error) {
	f, err := parser.ParseFile(origin, text, parser.ParseComments)
	if err != nil {
		return nil, "", ContextUse{}, fmt.Errorf("%s: %w", origin, cueError(err))
	}
	var imports, decls []ast.Decl
	for _, decl := range f.Decls {
		switch decl.(type) {
		case *ast.ImportDecl, *ast.Package:
			imports = append(imports, decl)
		default:
			decls = append(decls, decl)
		}
	}
	return templateFile(origin, imports, decls), patchStrategy(decls), contextUse(decls), nil
}

// templateFile builds the file that is compiled: the imports, then the
// template body, then an open `context` the renderer fills in.
func templateFile(origin string, imports, body []ast.Decl) *ast.File {
	decls := make([]ast.Decl, 0, len(imports)+len(body)+1)
	for _, d := range imports {
		if _, isPkg := d.(*ast.Package); !isPkg {
			decls = append(decls, d)
		}
	}
	decls = append(decls, body...)
	if !declares(body, "context") {
		decls = append(decls, &ast.Field{Label: ast.NewIdent("context"), Value: &ast.StructLit{Elts: []ast.Decl{&ast.Ellipsis{}}}})
	}
	return &ast.File{Filename: origin, Decls: decls}
}

func declares(decls []ast.Decl, name string) bool {
	for _, d := range decls {
		if f, ok := d.(*ast.Field); ok {
			if n, _, _ := ast.LabelName(f.Label); n == name {
				return true
			}
		}
	}
	return false
}

func patchStrategy(decls []ast.Decl) string {
	for _, d := range decls {
		f, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		if n, _, _ := ast.LabelName(f.Label); n != "patch" {
			continue
		}
		if s := Tags(ast.Comments(f))["patchStrategy"]; s != "" {
			return s
		}
	}
	return ""
}

// Tags reads the `// +key=value` comment tags KubeVela uses.
func Tags(groups []*ast.CommentGroup) map[string]string {
	var tags map[string]string
	for _, g := range groups {
		for _, c := range g.List {
			line := strings.TrimSpace(strings.TrimPrefix(c.Text, "//"))
			if !strings.HasPrefix(line, "+") {
				continue
			}
			k, v, ok := strings.Cut(line[1:], "=")
			if !ok {
				continue
			}
			v = strings.TrimSpace(v)
			if len(strings.Fields(v)) != 1 {
				continue
			}
			if tags == nil {
				tags = map[string]string{}
			}
			tags[strings.TrimSpace(k)] = v
		}
	}
	return tags
}

func labelOf(f *ast.Field) string {
	n, _, _ := ast.LabelName(f.Label)
	return n
}

// readMeta evaluates the definition header.
func (d *Definition) readMeta(meta *ast.Field) error {
	v := cuecontext.New().BuildExpr(meta.Value.(ast.Expr))
	if err := v.Err(); err != nil {
		return cueError(err)
	}
	typ, _ := v.LookupPath(cue.ParsePath("type")).String()
	kind, err := ParseKind(typ)
	if err != nil {
		return err
	}
	d.Kind = kind
	d.Description, _ = v.LookupPath(cue.ParsePath("description")).String()
	d.Annotations = stringMap(v.LookupPath(cue.ParsePath("annotations")))
	d.Labels = stringMap(v.LookupPath(cue.ParsePath("labels")))
	attrs := v.LookupPath(cue.ParsePath("attributes"))
	get := func(path string) string {
		s, _ := attrs.LookupPath(cue.ParsePath(path)).String()
		return s
	}
	d.Workload = Workload{
		APIVersion: get("workload.definition.apiVersion"),
		Kind:       get("workload.definition.kind"),
		Type:       get("workload.type"),
	}
	d.HealthPolicy = get("status.healthPolicy")
	d.CustomStatus = get("status.customStatus")
	d.Stage = get("stage")
	d.AppliesTo = StringList(attrs.LookupPath(cue.ParsePath("appliesToWorkloads")))
	d.ConflictsWith = StringList(attrs.LookupPath(cue.ParsePath("conflictsWith")))
	d.PodDisruptive, _ = attrs.LookupPath(cue.ParsePath("podDisruptive")).Bool()
	return nil
}

func stringMap(v cue.Value) map[string]string {
	if !v.Exists() {
		return nil
	}
	it, err := v.Fields()
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for it.Next() {
		if s, err := it.Value().String(); err == nil {
			out[it.Selector().Unquoted()] = s
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// StringList reads a CUE list of strings, skipping anything else; a missing
// or non-list value gives nil.
func StringList(v cue.Value) []string {
	if !v.Exists() {
		return nil
	}
	it, err := v.List()
	if err != nil {
		return nil
	}
	var out []string
	for it.Next() {
		if s, err := it.Value().String(); err == nil {
			out = append(out, s)
		}
	}
	return out
}

// cueError flattens a CUE error list into one readable line per problem.
func cueError(err error) error {
	return fmt.Errorf("%s", strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; "))
}

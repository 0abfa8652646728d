package definition

import (
	"strconv"

	"cuelang.org/go/cue/ast"
)

// ContextUse records which fields of `context` a template reads, so a
// renderer can leave out the costly ones (the workload as context.output,
// say) that a template never looks at.
type ContextUse struct {
	// All is set when the template uses `context` other than by selecting
	// a named field; every field must then be given.
	All    bool
	Fields map[string]bool
}

// Uses reports whether the template may read context.<name>.
func (u ContextUse) Uses(name string) bool { return u.All || u.Fields[name] }

// contextUse scans a template body.
func contextUse(decls []ast.Decl) ContextUse {
	u := ContextUse{Fields: map[string]bool{}}
	isContext := func(e ast.Expr) bool {
		id, ok := e.(*ast.Ident)
		return ok && id.Name == "context"
	}
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		ast.Walk(n, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.Field:
				switch x.Label.(type) {
				case *ast.Ident, *ast.BasicLit:
				default:
					walk(x.Label)
				}
				walk(x.Value)
				return false
			case *ast.SelectorExpr:
				if isContext(x.X) {
					if name, _, err := ast.LabelName(x.Sel); err == nil {
						u.Fields[name] = true
					} else {
						u.All = true
					}
					return false
				}
			case *ast.IndexExpr:
				if isContext(x.X) {
					if lit, ok := x.Index.(*ast.BasicLit); ok {
						if name, err := strconv.Unquote(lit.Value); err == nil {
							u.Fields[name] = true
							return false
						}
					}
					u.All = true
					return false
				}
			case *ast.Ident:
				if x.Name == "context" {
					u.All = true
				}
			}
			return true
		}, nil)
	}
	for _, d := range decls {
		walk(d)
	}
	return u
}

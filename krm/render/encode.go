package render

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"
	"github.com/oamgitops/kubectl-gitops/krm/oam"
)

// toExpr turns plain Go data into a CUE expression as its JSON would read:
// nil is null, int64 an int, float64 a float, maps are structs with sorted
// fields. (cue.Context.Encode would be shorter, but its values do not take
// part in default disjunctions such as `*context.output.x | {}` correctly.)
func toExpr(v any) (ast.Expr, error) {
	switch x := v.(type) {
	case nil:
		return &ast.BasicLit{Kind: token.NULL, Value: "null"}, nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		s := &ast.StructLit{Elts: make([]ast.Decl, 0, len(keys))}
		for _, k := range keys {
			e, err := toExpr(x[k])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			s.Elts = append(s.Elts, &ast.Field{Label: ast.NewString(k), Value: e})
		}
		return s, nil
	case map[string]string:
		m := make(map[string]any, len(x))
		for k, s := range x {
			m[k] = s
		}
		return toExpr(m)
	case []any:
		l := &ast.ListLit{Elts: make([]ast.Expr, 0, len(x))}
		for i, e := range x {
			ex, err := toExpr(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			l.Elts = append(l.Elts, ex)
		}
		return l, nil
	case string:
		return ast.NewString(x), nil
	case bool:
		return ast.NewBool(x), nil
	case int:
		return &ast.BasicLit{Kind: token.INT, Value: strconv.Itoa(x)}, nil
	case int64:
		return &ast.BasicLit{Kind: token.INT, Value: strconv.FormatInt(x, 10)}, nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, fmt.Errorf("%v is not a number JSON can hold", x)
		}
		return &ast.BasicLit{Kind: token.FLOAT, Value: oam.FormatFloat(x)}, nil
	}
	return nil, fmt.Errorf("unsupported value of type %T", v)
}

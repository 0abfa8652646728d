package render

import (
	"fmt"
	"slices"
	"sort"
	"sync/atomic"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/krm/patch"
)

// engine compiles definition templates once and evaluates them. It is not
// safe for concurrent use: give each goroutine its own.
type engine struct {
	cue      *cue.Context
	compiled map[*definition.Definition]compiled
	// evaluating is the template evaluation under way, read by the
	// limit's watchdog from another goroutine (limits.go).
	evaluating atomic.Pointer[site]
}

// site is one evaluation of a definition's template: for which component
// or trait of the Application.
type site struct {
	def       *definition.Definition
	field     string // spec.components[i] or …traits[j]
	component string
}

// compiled is a built template and what its parameter schema declares.
type compiled struct {
	v cue.Value
	// known are the top-level parameter names; open is set when the schema
	// takes any name (a pattern, a disjunction, not a struct).
	known []string
	open  bool
}

func newEngine() *engine {
	return &engine{cue: cuecontext.New(), compiled: map[*definition.Definition]compiled{}}
}

var (
	pathParameter    = cue.ParsePath("parameter")
	pathContext      = cue.ParsePath("context")
	pathOutput       = cue.ParsePath("output")
	pathOutputs      = cue.ParsePath("outputs")
	pathPatch        = cue.ParsePath("patch")
	pathPatchOutputs = cue.ParsePath("patchOutputs")
	pathErrs         = cue.ParsePath("errs")
	pathHelmChart    = cue.ParsePath("helmChart")
)

func (e *engine) template(d *definition.Definition) (compiled, error) {
	if c, ok := e.compiled[d]; ok {
		return c, nil
	}
	v, err := d.Build(e.cue)
	if err != nil {
		return compiled{}, &TemplateError{Definition: d, Issues: issues(err, "")}
	}
	c := compiled{v: v}
	c.known, c.open = parameterNames(v.LookupPath(pathParameter))
	e.compiled[d] = c
	return c, nil
}

// parameterNames lists the fields a parameter schema declares.
func parameterNames(schema cue.Value) ([]string, bool) {
	if op, _ := schema.Expr(); op == cue.OrOp || schema.IncompleteKind() != cue.StructKind {
		return nil, true
	}
	if schema.LookupPath(cue.MakePath(cue.AnyString)).Exists() {
		return nil, true
	}
	it, err := schema.Fields(cue.Optional(true))
	if err != nil {
		return nil, true
	}
	var names []string
	for it.Next() {
		names = append(names, it.Selector().Unquoted())
	}
	return names, false
}

// unknownParameters lists the properties a definition does not declare.
// CUE ignores them, as KubeVela does, so a typo would go unnoticed.
func (c compiled) unknownParameters(params map[string]any) []string {
	if c.open {
		return nil
	}
	var unknown []string
	for k := range params {
		if !slices.Contains(c.known, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	return unknown
}

// keyed is one auxiliary object with the key it has in `outputs`.
type keyed struct {
	Key    string
	Object map[string]any
}

// evaluation is what a template produced.
type evaluation struct {
	// Unknown are properties the definition does not declare.
	Unknown      []Issue
	Output       map[string]any
	Outputs      []keyed
	Patch        *patch.Node
	PatchOutputs []keyedPatch
	// Chart is the template's helmChart: a chart to render in Go (see
	// chart.go); nil when the template has none.
	Chart map[string]any
}

type keyedPatch struct {
	Key   string
	Patch *patch.Node
}

// eval fills a definition's template with parameters and context and reads
// what it produced.
func (e *engine) eval(at site, params map[string]any, ctx map[string]any) (*evaluation, error) {
	e.evaluating.Store(&at)
	defer e.evaluating.Store(nil)
	d := at.def
	c, err := e.template(d)
	if err != nil {
		return nil, err
	}
	tmpl := c.v
	if params == nil {
		params = map[string]any{}
	}
	// One fill for both. nil must arrive as null (a property set to null
	// deletes), which toExpr guarantees.
	used := make(map[string]any, len(ctx))
	for k, v := range ctx {
		if d.Context.Uses(k) {
			used[k] = v
		}
	}
	expr, err := toExpr(map[string]any{"parameter": params, "context": used})
	if err != nil {
		return nil, fmt.Errorf("encoding parameters and context: %w", err)
	}
	fill := e.cue.BuildExpr(expr)
	if err := fill.Err(); err != nil {
		return nil, fmt.Errorf("encoding parameters and context: %w", err)
	}
	v := tmpl.Unify(fill)

	if errs := userErrors(v.LookupPath(pathErrs)); len(errs) > 0 {
		return nil, &UserError{Definition: d, Messages: errs}
	}
	if err := v.LookupPath(pathParameter).Validate(cue.Concrete(true)); err != nil {
		return nil, &ParameterError{Definition: d, Issues: issues(err, "parameter"), Schema: tmpl.LookupPath(pathParameter), Params: params}
	}

	out := &evaluation{}
	for _, k := range c.unknownParameters(params) {
		msg := fmt.Sprintf("%s %q has no parameter %q; it is ignored", d.Kind, d.Name, k)
		if near := definition.Nearest(k, c.known); near != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", near)
		}
		out.Unknown = append(out.Unknown, Issue{Path: k, Message: msg})
	}
	if ov := v.LookupPath(pathOutput); ov.Exists() {
		obj, err := decodeObject(ov, "output")
		if err != nil {
			return nil, &TemplateError{Definition: d, Issues: err}
		}
		out.Output = obj
	}
	if ov := v.LookupPath(pathOutputs); ov.Exists() {
		it, err := ov.Fields()
		if err != nil {
			return nil, &TemplateError{Definition: d, Issues: issues(err, "")}
		}
		for it.Next() {
			key := it.Selector().Unquoted()
			obj, err := decodeObject(it.Value(), "outputs."+key)
			if err != nil {
				return nil, &TemplateError{Definition: d, Issues: err}
			}
			out.Outputs = append(out.Outputs, keyed{Key: key, Object: obj})
		}
	}
	if hv := v.LookupPath(pathHelmChart); hv.Exists() {
		obj, err := decodeObject(hv, "helmChart")
		if err != nil {
			return nil, &TemplateError{Definition: d, Issues: err}
		}
		out.Chart = obj
	}
	if pv := v.LookupPath(pathPatch); pv.Exists() {
		p, errs := patchNode(pv, "patch")
		if errs != nil {
			return nil, &TemplateError{Definition: d, Issues: errs}
		}
		out.Patch = p
	}
	if pv := v.LookupPath(pathPatchOutputs); pv.Exists() {
		it, err := pv.Fields()
		if err != nil {
			return nil, &TemplateError{Definition: d, Issues: issues(err, "")}
		}
		for it.Next() {
			key := it.Selector().Unquoted()
			p, errs := patchNode(it.Value(), "patchOutputs."+key)
			if errs != nil {
				return nil, &TemplateError{Definition: d, Issues: errs}
			}
			out.PatchOutputs = append(out.PatchOutputs, keyedPatch{Key: key, Patch: p})
		}
	}
	return out, nil
}

func userErrors(v cue.Value) []string {
	var out []string
	for _, s := range definition.StringList(v) {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func decodeObject(v cue.Value, at string) (map[string]any, []Issue) {
	b, err := v.MarshalJSON()
	if err != nil {
		return nil, explain(v, err)
	}
	obj, err := decodeJSON(b)
	if err != nil {
		return nil, []Issue{{Path: at, Message: err.Error()}}
	}
	m, ok := obj.(map[string]any)
	if !ok {
		return nil, []Issue{{Path: at, Message: "must be an object"}}
	}
	return m, nil
}

func patchNode(v cue.Value, at string) (*patch.Node, []Issue) {
	n, err := patch.FromSyntax(v.Syntax(cue.Final(), cue.Concrete(true), cue.Docs(true)))
	if err != nil {
		if verr := v.Validate(cue.Concrete(true), cue.Final()); verr != nil {
			return nil, issues(verr, "")
		}
		return nil, []Issue{{Path: at, Message: err.Error()}}
	}
	return n, nil
}

// explain turns a failed export into issues with paths: the export error
// says little, so the value is validated to find each problem. Validation
// only runs on failure since it walks the whole value again.
func explain(v cue.Value, exportErr error) []Issue {
	if err := v.Validate(cue.Concrete(true), cue.Final()); err != nil {
		return issues(err, "")
	}
	return issues(exportErr, "")
}

// decodeJSON decodes keeping integers as int64 and other numbers as float64.
func decodeJSON(b []byte) (any, error) {
	v, err := oam.FromJSON(b)
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return v, nil
}

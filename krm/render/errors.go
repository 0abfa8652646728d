package render

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/format"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
	"github.com/oamgitops/kubectl-gitops/krm/oam"
)

// Issue is one problem CUE reported, with the path inside the template
// where it happened.
type Issue struct {
	Path    string
	Message string
}

// issues flattens a CUE error into readable problems. Paths are CUE
// selectors joined with dots, list indexes as [i]; strip drops a leading
// selector (e.g. "parameter").
func issues(err error, strip string) []Issue {
	var out []Issue
	seen := map[string]bool{}
	for _, e := range cueerrors.Errors(err) {
		path := fieldPath(e.Path(), strip)
		format, args := e.Msg()
		msg := cleanMessage(fmt.Sprintf(format, args...))
		key := path + "\x00" + msg
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, Issue{Path: path, Message: msg})
	}
	if len(out) == 0 {
		out = append(out, Issue{Message: cleanMessage(err.Error())})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func fieldPath(sel []string, strip string) string {
	if strip != "" && len(sel) > 0 && sel[0] == strip {
		sel = sel[1:]
	}
	var b strings.Builder
	for _, s := range sel {
		if _, err := strconv.Atoi(s); err == nil {
			b.WriteString("[" + s + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strings.Trim(s, `"`))
	}
	return b.String()
}

func cleanMessage(msg string) string {
	msg = strings.ReplaceAll(msg, "\n", " ")
	msg = strings.ReplaceAll(msg, "_|_", "error")
	return strings.TrimSpace(msg)
}

// TemplateError is a definition template that failed to evaluate.
type TemplateError struct {
	Definition *definition.Definition
	Issues     []Issue
}

func (e *TemplateError) Error() string {
	var parts []string
	for _, is := range e.Issues {
		if is.Path != "" {
			parts = append(parts, is.Path+": "+is.Message)
		} else {
			parts = append(parts, is.Message)
		}
	}
	return fmt.Sprintf("%s %q (%s): template error: %s", e.Definition.Kind, e.Definition.Name, e.Definition.Origin, strings.Join(parts, "; "))
}

// UserError carries the messages a template put in `errs`.
type UserError struct {
	Definition *definition.Definition
	Messages   []string
}

func (e *UserError) Error() string {
	return fmt.Sprintf("%s %q: %s", e.Definition.Kind, e.Definition.Name, strings.Join(e.Messages, "; "))
}

// ParameterError is a set of properties that break the definition's
// parameter schema.
type ParameterError struct {
	Definition *definition.Definition
	Issues     []Issue
	Schema     cue.Value
	Params     map[string]any
}

// Problems describes each issue as (field path under properties, message)
// with what the schema expects and what was given.
func (e *ParameterError) Problems() []Issue {
	var out []Issue
	seen := map[Issue]bool{}
	for _, is := range e.Issues {
		expected := describeSchema(e.Schema, is.Path)
		got, present := lookupPlain(e.Params, is.Path)
		var msg string
		switch {
		case !present && strings.Contains(is.Message, "incomplete"):
			msg = "is required"
			if expected != "" {
				msg += " (" + expected + ")"
			}
		case present && expected != "":
			msg = fmt.Sprintf("expected %s, got %s", expected, describeValue(got))
		default:
			msg = is.Message
		}
		// Several CUE errors at one field can read the same once described.
		if seen[Issue{Path: is.Path, Message: msg}] {
			continue
		}
		seen[Issue{Path: is.Path, Message: msg}] = true
		out = append(out, Issue{Path: is.Path, Message: msg})
	}
	return out
}

func (e *ParameterError) Error() string {
	var parts []string
	for _, p := range e.Problems() {
		parts = append(parts, "properties."+p.Path+": "+p.Message)
	}
	return fmt.Sprintf("%s %q: %s", e.Definition.Kind, e.Definition.Name, strings.Join(parts, "; "))
}

// describeSchema prints the schema of a parameter field, short.
func describeSchema(schema cue.Value, path string) string {
	v := schemaField(schema, path)
	if !v.Exists() || v.Err() != nil {
		return ""
	}
	// A disjunction of concrete values is an enum: list the options (a
	// default's * marker means nothing to the user). One with a type in it
	// ("*1 | int") reads best as the type.
	if op, alts := v.Expr(); op == cue.OrOp {
		var opts []string
		for _, a := range alts {
			if !a.IsConcrete() {
				return v.IncompleteKind().String()
			}
			b, err := format.Node(a.Syntax(cue.Raw()))
			if err != nil {
				return v.IncompleteKind().String()
			}
			opts = append(opts, strings.TrimPrefix(strings.TrimSpace(string(b)), "*"))
		}
		if s := strings.Join(opts, " | "); len(s) <= 80 {
			return "one of " + s
		}
		return v.IncompleteKind().String()
	}
	b, err := format.Node(v.Syntax(cue.Raw()))
	if err != nil {
		return v.IncompleteKind().String()
	}
	s := strings.Join(strings.Fields(string(b)), " ")
	if strings.HasPrefix(s, "*") || len(s) > 80 {
		s = v.IncompleteKind().String()
	}
	return s
}

// schemaField finds the schema of a.b[0].c: list indexes stand for any
// element, since the schema has no concrete elements, and fields may be
// optional.
func schemaField(schema cue.Value, path string) cue.Value {
	v := schema
	for _, s := range strings.Split(strings.ReplaceAll(strings.ReplaceAll(path, "[", "."), "]", ""), ".") {
		if s == "" {
			continue
		}
		if _, err := strconv.Atoi(s); err == nil {
			v = v.LookupPath(cue.MakePath(cue.AnyIndex))
			continue
		}
		next := v.LookupPath(cue.MakePath(cue.Str(s)))
		if !next.Exists() {
			next = v.LookupPath(cue.MakePath(cue.Str(s).Optional()))
		}
		v = next
	}
	return v
}

func lookupPlain(v any, path string) (any, bool) {
	p := strings.ReplaceAll(strings.ReplaceAll(path, "[", "."), "]", "")
	cur := v
	for _, s := range strings.Split(p, ".") {
		if s == "" {
			continue
		}
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[s]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(s)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

func describeValue(v any) string {
	switch x := v.(type) {
	case string:
		return "string " + strconv.Quote(x)
	case bool:
		return "bool " + strconv.FormatBool(x)
	case int64, int:
		return fmt.Sprintf("int %d", x)
	case float64:
		return "number " + oam.FormatFloat(x)
	}
	return oam.TypeName(v)
}

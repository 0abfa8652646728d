package definition

import (
	"fmt"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
)

// Kind is the kind of thing a definition defines.
type Kind string

// The kinds of definitions.
const (
	Component    Kind = "component"
	Trait        Kind = "trait"
	Policy       Kind = "policy"
	WorkflowStep Kind = "workflow-step"
)

// ParseKind checks a kind name.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case Component, Trait, Policy, WorkflowStep:
		return k, nil
	}
	return "", fmt.Errorf("unknown definition type %q: expected one of component, trait, policy, workflow-step", s)
}

// Workload is the kind of object a component definition emits as its workload.
type Workload struct {
	APIVersion string
	Kind       string
	// Type is the short resource name ("deployments.apps"), or "autodetects.core.oam.dev".
	Type string
}

// Definition is one definition, parsed but not compiled.
type Definition struct {
	Name        string
	Kind        Kind
	Description string
	// Origin names where the definition was read from, for messages.
	Origin      string
	Annotations map[string]string
	Labels      map[string]string

	Workload      Workload // components
	AppliesTo     []string // traits
	ConflictsWith []string // traits
	PodDisruptive bool     // traits
	Stage         string   // traits: PreDispatch, PostDispatch or empty

	// HealthPolicy and CustomStatus are CUE snippets evaluated against the
	// live object by the plugin.
	HealthPolicy string
	CustomStatus string

	// Template is the template body as a CUE file (imports kept), ready to
	// be compiled with `context` and `parameter`.
	Template *ast.File
	// Context says which context fields the template reads.
	Context ContextUse
	// PatchStrategy is the +patchStrategy tag on the template's `patch`
	// field: "" for the strategic unify, or jsonMergePatch / jsonPatch.
	PatchStrategy string
}

// Registry holds definitions by kind and name. Later additions replace
// earlier ones of the same kind and name.
type Registry struct {
	defs map[Kind]map[string]*Definition
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{defs: map[Kind]map[string]*Definition{}}
}

// Add stores definitions, replacing any of the same kind and name.
func (r *Registry) Add(defs ...*Definition) {
	for _, d := range defs {
		m := r.defs[d.Kind]
		if m == nil {
			m = map[string]*Definition{}
			r.defs[d.Kind] = m
		}
		m[d.Name] = d
	}
}

// Get looks a definition up.
func (r *Registry) Get(kind Kind, name string) (*Definition, bool) {
	d, ok := r.defs[kind][name]
	return d, ok
}

// Names lists the names of one kind, sorted.
func (r *Registry) Names(kind Kind) []string {
	names := make([]string, 0, len(r.defs[kind]))
	for n := range r.defs[kind] {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// All lists every definition, sorted by kind then name.
func (r *Registry) All() []*Definition {
	var out []*Definition
	for _, k := range []Kind{Component, Trait, Policy, WorkflowStep} {
		for _, n := range r.Names(k) {
			out = append(out, r.defs[k][n])
		}
	}
	return out
}

// Clone copies the registry so a caller can add to it without changing the
// original.
func (r *Registry) Clone() *Registry {
	c := NewRegistry()
	for _, m := range r.defs {
		for _, d := range m {
			c.Add(d)
		}
	}
	return c
}

// Nearest returns the known name closest to name, for "did you mean" hints,
// or "" when none is close.
func (r *Registry) Nearest(kind Kind, name string) string {
	return Nearest(name, r.Names(kind))
}

// Nearest returns the candidate closest to name by edit distance, or ""
// when none is close enough to be a likely typo.
func Nearest(name string, candidates []string) string {
	best, bestDist := "", len(name)/2+2
	for _, n := range candidates {
		d := distance(strings.ToLower(name), strings.ToLower(n))
		if d < bestDist || (d == bestDist && best != "" && n < best) {
			best, bestDist = n, d
		}
	}
	if best == "" && len(name) >= 3 {
		for _, n := range candidates {
			if strings.HasPrefix(n, name) {
				return n
			}
		}
	}
	return best
}

// distance is the Levenshtein edit distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Build compiles the template in a CUE context. It is safe for concurrent
// use: CUE writes identifier resolutions into the AST it builds, so each
// build gets its own copy of the template, parsed from its formatted text.
func (d *Definition) Build(ctx *cue.Context) (cue.Value, error) {
	src, err := format.Node(d.Template)
	if err != nil {
		return cue.Value{}, fmt.Errorf("%s %q: formatting template: %w", d.Kind, d.Name, err)
	}
	f, err := parser.ParseFile(d.Origin, src, parser.ParseComments)
	if err != nil {
		return cue.Value{}, fmt.Errorf("%s %q: parsing template: %w", d.Kind, d.Name, err)
	}
	v := ctx.BuildFile(f)
	return v, v.Err()
}

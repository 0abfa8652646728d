package render

import (
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
)

// Problems must describe fields inside list elements and optional fields,
// and report each (field, message) once even when CUE reports it several times.
func TestParameterErrorListElements(t *testing.T) {
	tmpl := cuecontext.New().CompileString(`parameter: {
	ports?: [...{port: int, weight: int & >=1 & <=100}]
	size: int
}`)
	e := &ParameterError{
		Definition: &definition.Definition{Kind: definition.Trait, Name: "t"},
		Schema:     tmpl.LookupPath(cue.ParsePath("parameter")),
		Params: map[string]any{
			"ports": []any{map[string]any{"port": int64(80), "weight": int64(0)}},
			"size":  "big",
		},
		Issues: []Issue{
			{Path: "ports[0].weight", Message: "invalid value 0 (out of bound >=1)"},
			{Path: "ports[0].weight", Message: "invalid value 0 (out of bound >=1) again"},
			{Path: "size", Message: "conflicting values int and \"big\""},
		},
	}
	want := []Issue{
		{Path: "ports[0].weight", Message: "expected int & >=1 & <=100, got int 0"},
		{Path: "size", Message: `expected int, got string "big"`},
	}
	if diff := cmp.Diff(want, e.Problems()); diff != "" {
		t.Errorf("problems differ (-want +got):\n%s", diff)
	}
}

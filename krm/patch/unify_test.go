package patch_test

import (
	"errors"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/krm/patch"
)

// node compiles a CUE patch and keeps its comment tags, as the renderer does.
func node(t *testing.T, src string) *patch.Node {
	t.Helper()
	v := cuecontext.New().CompileString(src)
	if err := v.Err(); err != nil {
		t.Fatalf("compile %q: %v", src, err)
	}
	n, err := patch.FromSyntax(v.Syntax(cue.Final(), cue.Concrete(true), cue.Docs(true)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func containers(cs ...map[string]any) map[string]any {
	l := make([]any, len(cs))
	for i, c := range cs {
		l[i] = c
	}
	return map[string]any{"spec": map[string]any{"containers": l}}
}

func TestApply(t *testing.T) {
	tests := map[string]struct {
		base    any
		patch   string
		want    any
		wantErr string
	}{
		"new fields are added and structs merge": {
			base:  map[string]any{"spec": map[string]any{"a": int64(1)}},
			patch: `spec: b: "x"`,
			want:  map[string]any{"spec": map[string]any{"a": int64(1), "b": "x"}},
		},
		"equal scalars unify": {
			base:  map[string]any{"a": int64(1)},
			patch: `a: 1`,
			want:  map[string]any{"a": int64(1)},
		},
		"different scalars conflict": {
			base:    map[string]any{"spec": map[string]any{"replicas": int64(1)}},
			patch:   `spec: replicas: 3`,
			wantErr: "spec.replicas: conflicting values 1 (current) and 3 (patch)",
		},
		"retainKeys replaces a scalar": {
			base: map[string]any{"spec": map[string]any{"replicas": int64(1)}},
			patch: `// +patchStrategy=retainKeys
spec: replicas: 3`,
			want: map[string]any{"spec": map[string]any{"replicas": int64(3)}},
		},
		"retainKeys replaces a struct whole": {
			base: map[string]any{"spec": map[string]any{"strategy": map[string]any{"type": "RollingUpdate", "rollingUpdate": map[string]any{"maxSurge": int64(1)}}}},
			patch: `spec: {
	// +patchStrategy=retainKeys
	strategy: {type: "Recreate"}
}`,
			want: map[string]any{"spec": map[string]any{"strategy": map[string]any{"type": "Recreate"}}},
		},
		"patchKey merges matched elements and appends new ones": {
			base: containers(map[string]any{"name": "app", "image": "a"}),
			patch: `spec: {
	// +patchKey=name
	containers: [{name: "app", env: [{name: "A", value: "1"}]}, {name: "side", image: "s"}]
}`,
			want: containers(
				map[string]any{"name": "app", "image": "a", "env": []any{map[string]any{"name": "A", "value": "1"}}},
				map[string]any{"name": "side", "image": "s"}),
		},
		"patchKey is inherited by nested lists": {
			base: containers(map[string]any{"name": "app", "env": []any{map[string]any{"name": "A", "value": "1"}, map[string]any{"name": "B", "value": "2"}}}),
			patch: `spec: {
	// +patchKey=name
	containers: [{name: "app", env: [{name: "C", value: "3"}]}]
}`,
			want: containers(map[string]any{"name": "app", "env": []any{
				map[string]any{"name": "A", "value": "1"}, map[string]any{"name": "B", "value": "2"}, map[string]any{"name": "C", "value": "3"}}}),
		},
		"retainKeys in a keyed list replaces the matched element": {
			base: containers(map[string]any{"name": "app", "image": "a", "args": []any{"x"}}),
			patch: `spec: {
	// +patchKey=name
	// +patchStrategy=retainKeys
	containers: [{name: "app", image: "b"}]
}`,
			want: containers(map[string]any{"name": "app", "image": "b"}),
		},
		"replace swaps the list": {
			base: map[string]any{"env": []any{map[string]any{"name": "A"}, map[string]any{"name": "B"}}},
			patch: `// +patchStrategy=replace
env: [{name: "C"}]`,
			want: map[string]any{"env": []any{map[string]any{"name": "C"}}},
		},
		"lists without a key merge by index": {
			base:  map[string]any{"l": []any{map[string]any{"a": int64(1)}}},
			patch: `l: [{b: 2}, {c: 3}]`,
			want:  map[string]any{"l": []any{map[string]any{"a": int64(1), "b": int64(2)}, map[string]any{"c": int64(3)}}},
		},
		"a shorter list without a key cannot merge": {
			base:    map[string]any{"l": []any{"a", "b"}},
			patch:   `l: ["a"]`,
			wantErr: "the patch has 1 list items where there are 2",
		},
		"elements lacking the key fall back to index merge": {
			base: containers(map[string]any{"image": "a"}),
			patch: `spec: {
	// +patchKey=name
	containers: [{image: "a", name: "x"}]
}`,
			want: containers(map[string]any{"image": "a", "name": "x"}),
		},
		"struct over scalar conflicts": {
			base:    map[string]any{"a": "x"},
			patch:   `a: b: 1`,
			wantErr: "a: conflicting values",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := patch.Apply(tc.base, node(t, tc.patch))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestConflictErrorIsTyped(t *testing.T) {
	_, err := patch.Apply(map[string]any{"a": "x"}, node(t, `a: "y"`))
	var ce *patch.ConflictError
	if !errors.As(err, &ce) || ce.Path != "a" {
		t.Fatalf("want a *ConflictError at a, got %v", err)
	}
}

func TestMergePatch(t *testing.T) {
	base := map[string]any{"metadata": map[string]any{"labels": map[string]any{"a": "1", "b": "2"}}, "keep": true}
	p := map[string]any{"metadata": map[string]any{"labels": map[string]any{"a": nil, "c": "3"}}}
	want := map[string]any{"metadata": map[string]any{"labels": map[string]any{"b": "2", "c": "3"}}, "keep": true}
	if diff := cmp.Diff(want, patch.MergePatch(base, p)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestJSONPatch(t *testing.T) {
	op := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	tests := map[string]struct {
		ops     []any
		want    any
		wantErr string
	}{
		"add, replace, remove, copy, move, test": {
			ops: []any{
				op("op", "add", "path", "/spec/list/-", "value", "c"),
				op("op", "add", "path", "/spec/list/0", "value", "z"),
				op("op", "replace", "path", "/spec/name", "value", "n2"),
				op("op", "remove", "path", "/spec/drop"),
				op("op", "copy", "from", "/spec/name", "path", "/spec/copy"),
				op("op", "move", "from", "/spec/copy", "path", "/spec/moved"),
				op("op", "test", "path", "/spec/moved", "value", "n2"),
				op("op", "add", "path", "/spec/a~1b", "value", int64(1)),
			},
			want: map[string]any{"spec": map[string]any{"list": []any{"z", "a", "b", "c"}, "name": "n2", "moved": "n2", "a/b": int64(1)}},
		},
		"replace of a missing path fails": {
			ops:     []any{op("op", "replace", "path", "/spec/missing", "value", 1)},
			wantErr: "operations[0] (replace /spec/missing)",
		},
		"failed test stops": {
			ops:     []any{op("op", "test", "path", "/spec/name", "value", "other")},
			wantErr: "test failed",
		},
		"unknown op": {
			ops:     []any{op("op", "frobnicate", "path", "/spec")},
			wantErr: `unknown op "frobnicate"`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			doc := map[string]any{"spec": map[string]any{"list": []any{"a", "b"}, "name": "n", "drop": true}}
			got, err := patch.JSONPatch(doc, tc.ops)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				if !errors.Is(err, patch.ErrJSONPatch) {
					t.Errorf("error does not wrap ErrJSONPatch")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

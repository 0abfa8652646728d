package apply

import "testing"

func TestContains(t *testing.T) {
	tests := map[string]struct {
		want, got any
		ok        bool
	}{
		"extra keys in live":    {map[string]any{"a": "x"}, map[string]any{"a": "x", "b": "y"}, true},
		"changed value":         {map[string]any{"a": "x"}, map[string]any{"a": "z"}, false},
		"missing key":           {map[string]any{"a": "x"}, map[string]any{}, false},
		"numbers by value":      {map[string]any{"n": int64(3)}, map[string]any{"n": float64(3)}, true},
		"list items subset":     {[]any{map[string]any{"name": "c"}}, []any{map[string]any{"name": "c", "imagePullPolicy": "Always"}}, true},
		"list item added live":  {[]any{"a"}, []any{"a", "b"}, false},
		"list order matters":    {[]any{"a", "b"}, []any{"b", "a"}, false},
		"null wants absent":     {map[string]any{"a": nil}, map[string]any{}, true},
		"null but live has one": {map[string]any{"a": nil}, map[string]any{"a": "x"}, false},
		"type change":           {map[string]any{"a": "1"}, map[string]any{"a": int64(1)}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := contains(tc.want, tc.got); got != tc.ok {
				t.Errorf("contains(%v, %v) = %v, want %v", tc.want, tc.got, got, tc.ok)
			}
		})
	}
}

func TestSetHashIgnoresOldHash(t *testing.T) {
	a := objectsFromYAML(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: ns}\ndata: {k: v}\n")[0]
	b := a.DeepCopy()
	b.SetAnnotations(map[string]string{HashAnnotation: "stale"})
	if err := setHash(a); err != nil {
		t.Fatal(err)
	}
	if err := setHash(b); err != nil {
		t.Fatal(err)
	}
	if ha, hb := a.GetAnnotations()[HashAnnotation], b.GetAnnotations()[HashAnnotation]; ha != hb || ha == "" {
		t.Errorf("hashes %q and %q, want equal and set", ha, hb)
	}
	c := a.DeepCopy()
	c.Object["data"] = map[string]any{"k": "changed"}
	if err := setHash(c); err != nil {
		t.Fatal(err)
	}
	if c.GetAnnotations()[HashAnnotation] == a.GetAnnotations()[HashAnnotation] {
		t.Error("changed data kept the hash")
	}
}

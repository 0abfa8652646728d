package apply

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/ssa"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

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

// Many objects of one kind in one namespace are read with one list: a
// re-apply still sees each unchanged (no write), one edited by hand is
// re-applied, and one deleted by hand is created again.
func TestApplyManyReadByList(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := testContext(t)
	a, counter := newTestApplier(t)
	var docs []string
	for i := range 3 * listFrom {
		docs = append(docs, fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-%02d, namespace: %s}\ndata: {k: v}\n", i, ns))
	}
	objects := objectsFromYAML(t, strings.Join(docs, "---\n"))
	opts := DefaultApplyOptions(Inventory{Kind: "ConfigMap", Namespace: ns, Name: "gitops.many"})
	if _, err := a.Apply(ctx, objects, opts); err != nil {
		t.Fatal(err)
	}
	counter.take()
	cs, err := a.Apply(ctx, objects, opts)
	if err != nil {
		t.Fatal(err)
	}
	if writes := counter.take(); len(writes) != 0 {
		t.Errorf("re-apply wrote:\n%s", strings.Join(writes, "\n"))
	}
	if n := countActions(cs.Entries)[ssa.UnchangedAction]; n != len(objects) {
		t.Errorf("re-apply: %d unchanged, want %d", n, len(objects))
	}

	cm, err := env.Client.CoreV1().ConfigMaps(ns).Get(ctx, "cm-03", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["k"] = "edited"
	if _, err := env.Client.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.CoreV1().ConfigMaps(ns).Delete(ctx, "cm-07", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	cs, err = a.Apply(ctx, objects, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := countActions(cs.Entries)
	if got[ssa.ConfiguredAction] != 1 || got[ssa.CreatedAction] != 1 || got[ssa.UnchangedAction] != len(objects)-2 {
		t.Errorf("after a hand edit and a delete: %v, want 1 configured, 1 created, the rest unchanged", got)
	}
}

func countActions(entries []ssa.ChangeSetEntry) map[ssa.Action]int {
	n := map[ssa.Action]int{}
	for _, e := range entries {
		n[e.Action]++
	}
	return n
}

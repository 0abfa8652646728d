package cmd

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
)

func TestDeleteOrder(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	inv := func(name string) apply.Inventory {
		return apply.Inventory{Kind: "ConfigMap", Namespace: "default", Name: name}
	}
	// rec is an inventory created at minute, declared by parent ("" for a root).
	rec := func(name, parent string, minute int) apply.InventoryRecord {
		r := apply.InventoryRecord{Inventory: inv(name), Created: t0.Add(time.Duration(minute) * time.Minute),
			Source: &apply.SourceRecord{Name: "src-" + name}}
		if parent != "" {
			p := inv(parent)
			r.Source.Parent = &p
		}
		return r
	}
	all := []apply.InventoryRecord{
		rec("root", "", 0),
		rec("late", "root", 5), // synced after early: deleted before it
		rec("early", "root", 1),
		rec("deep", "early", 2),
		rec("other", "", 0),
		rec("other-child", "other", 1),
		rec("loop", "deep", 3),
		rec("root", "loop", 0), // a recorded cycle back to the root: visited once
		rec("stray", "elsewhere", 1),
	}
	tests := map[string]struct {
		roots []string
		want  []string
	}{
		"nested sources first, last synced first": {
			roots: []string{"root"},
			want:  []string{"src-late", "src-loop", "src-deep", "src-early", "root"},
		},
		"roots in reverse order": {
			roots: []string{"other", "root"},
			want:  []string{"src-late", "src-loop", "src-deep", "src-early", "root", "src-other-child", "other"},
		},
		"no nested sources": {
			roots: []string{"late"},
			want:  []string{"late"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var roots []target
			for _, r := range tc.roots {
				roots = append(roots, target{name: r, rec: apply.InventoryRecord{Inventory: inv(r)}})
			}
			order := withNested(roots, all)
			reverse(order) // as delete goes
			var got []string
			for _, tg := range order {
				got = append(got, tg.name)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

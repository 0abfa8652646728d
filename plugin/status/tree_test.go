package status

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
)

// treeInv is the inventory of source name in default.
func treeInv(name string) apply.Inventory { return inv("default", "gitops."+name) }

// record is the inventory of source name, nested in parent ("" for a
// root), created at minute created, healthy at rev ("" for never).
func record(name, parent string, created int, rev string, sick ...string) apply.InventoryRecord {
	r := apply.InventoryRecord{Inventory: treeInv(name), Revision: rev, Source: &apply.SourceRecord{Name: name},
		Created: time.Date(2026, 1, 1, 0, created, 0, 0, time.UTC)}
	if parent != "" {
		p := treeInv(parent)
		r.Source.Parent = &p
	}
	for _, c := range sick {
		r.Components = append(r.Components, apply.ComponentHealth{App: "app", Component: c, Message: "Ready:0/1"})
	}
	return r
}

func TestTreeWalk(t *testing.T) {
	tests := []struct {
		name    string
		records []apply.InventoryRecord
		want    []string // each visit: the names from the root down
	}{
		{"a root alone", []apply.InventoryRecord{record("root", "", 0, "r")}, []string{"root"}},
		{"nested, oldest first, depth first", []apply.InventoryRecord{
			record("root", "", 0, "r"), record("late", "root", 5, "r"), record("early", "root", 1, "r"), record("deep", "early", 2, "r"),
		}, []string{"root", "root/early", "root/early/deep", "root/late"}},
		{"same time: by inventory name", []apply.InventoryRecord{
			record("root", "", 0, "r"), record("b", "root", 1, "r"), record("a", "root", 1, "r"),
		}, []string{"root", "root/a", "root/b"}},
		{"recorded parents that loop end the walk", []apply.InventoryRecord{
			record("root", "child", 0, "r"), record("child", "root", 1, "r"),
		}, []string{"root", "root/child"}},
		{"unrelated inventories are not visited", []apply.InventoryRecord{
			record("root", "", 0, "r"), record("other", "", 0, "r"), record("orphan", "gone", 1, "r"),
		}, []string{"root"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree := NewTree(tt.records)
			root, ok := tree.Record(treeInv("root"))
			if !ok {
				t.Fatal("no root record")
			}
			var got []string
			tree.Walk(root, "root", map[apply.Inventory]bool{}, func(_ apply.InventoryRecord, names []string) {
				got = append(got, strings.Join(names, "/"))
			})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("visits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTreeSourceHealth(t *testing.T) {
	tests := []struct {
		name        string
		records     []apply.InventoryRecord
		healthy     bool
		message     string
		wantMissing bool
	}{
		{"healthy: the revision", []apply.InventoryRecord{record("root", "", 0, "main@sha1:abc")}, true, "main@sha1:abc", false},
		{"never healthy", []apply.InventoryRecord{record("root", "", 0, "")}, false, NoRevision, false},
		{"a component sick", []apply.InventoryRecord{record("root", "", 0, "r", "web")}, false, "app/web: Ready:0/1", false},
		{"nested problems named by their path", []apply.InventoryRecord{
			record("root", "", 0, "r"), record("team", "root", 1, "r", "db"), record("deep", "team", 2, ""),
		}, false, "team: app/db: Ready:0/1; team: deep: " + NoRevision, false},
		{"no record", nil, false, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			healthy, msg, found := NewTree(tt.records).SourceHealth(treeInv("root"))
			if healthy != tt.healthy || msg != tt.message || found == tt.wantMissing {
				t.Errorf("SourceHealth = %v, %q, found %v; want %v, %q, found %v", healthy, msg, found, tt.healthy, tt.message, !tt.wantMissing)
			}
		})
	}
}

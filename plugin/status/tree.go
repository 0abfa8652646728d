package status

import (
	"fmt"
	"sort"
	"strings"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
)

// Tree links the inventories of synced sources to those of the nested
// sources their builds declared: a nested source's inventory records its
// parent's. It is the one walk over recorded sources that `ls`, `delete`,
// `history` and the agent's status share.
type Tree struct {
	byInv    map[apply.Inventory]apply.InventoryRecord
	children map[apply.Inventory][]apply.InventoryRecord
}

// NewTree links records. A parent's nested sources are ordered as their
// first syncs were: oldest inventory first, then by name.
func NewTree(records []apply.InventoryRecord) *Tree {
	t := &Tree{byInv: map[apply.Inventory]apply.InventoryRecord{}, children: map[apply.Inventory][]apply.InventoryRecord{}}
	for _, r := range records {
		t.byInv[r.Inventory] = r
		if r.Source != nil && r.Source.Parent != nil {
			t.children[*r.Source.Parent] = append(t.children[*r.Source.Parent], r)
		}
	}
	for _, c := range t.children {
		sort.SliceStable(c, func(i, j int) bool {
			if !c[i].Created.Equal(c[j].Created) {
				return c[i].Created.Before(c[j].Created)
			}
			return c[i].Inventory.Name < c[j].Inventory.Name
		})
	}
	return t
}

// Record is the record of inv, if the tree holds it.
func (t *Tree) Record(inv apply.Inventory) (apply.InventoryRecord, bool) {
	r, ok := t.byInv[inv]
	return r, ok
}

// Walk visits root, then its nested sources depth first. Each visit gets
// the record and the names of the sources from root down to it (root's is
// rootName). An inventory already in seen, or seen earlier in the walk, is
// not visited again, so recorded parents that loop end the walk; seen may
// be shared by several walks so that each inventory comes once.
func (t *Tree) Walk(root apply.InventoryRecord, rootName string, seen map[apply.Inventory]bool, visit func(rec apply.InventoryRecord, names []string)) {
	var walk func(rec apply.InventoryRecord, names []string)
	walk = func(rec apply.InventoryRecord, names []string) {
		if seen[rec.Inventory] {
			return
		}
		seen[rec.Inventory] = true
		visit(rec, names)
		for _, c := range t.children[rec.Inventory] {
			walk(c, append(names[:len(names):len(names)], SourceName(c)))
		}
	}
	walk(root, []string{rootName})
}

// SourceName is the name of the source an inventory records, else the
// inventory's own name.
func SourceName(rec apply.InventoryRecord) string {
	if rec.Source != nil && rec.Source.Name != "" {
		return rec.Source.Name
	}
	return rec.Inventory.Name
}

// SourceHealth says whether the source of inv and its nested sources
// synced healthy, by what their inventories record: healthy with the
// revision as message, or not, with each problem ("<nested source>:
// <app>/<component>: <message>", NoRevision for one never healthy). found
// is false when the tree holds no record of inv.
func (t *Tree) SourceHealth(inv apply.Inventory) (healthy bool, message string, found bool) {
	root, ok := t.byInv[inv]
	if !ok {
		return false, "", false
	}
	var problems []string
	t.Walk(root, "", map[apply.Inventory]bool{}, func(rec apply.InventoryRecord, names []string) {
		prefix := ""
		if len(names) > 1 {
			prefix = strings.Join(names[1:], ": ") + ": "
		}
		if rec.Revision == "" {
			problems = append(problems, prefix+NoRevision)
		}
		for _, c := range rec.Components {
			if !c.Healthy {
				problems = append(problems, fmt.Sprintf("%s%s/%s: %s", prefix, c.App, c.Component, c.Message))
			}
		}
	})
	if len(problems) == 0 {
		return true, root.Revision, true
	}
	return false, strings.Join(problems, "; "), true
}

package reconcile

import (
	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

// InventoryOf is the ApplySet parent of a source: the ConfigMap
// s.InventoryName() in the source's namespace.
func InventoryOf(s source.Declaration) apply.Inventory {
	return apply.Inventory{Kind: "ConfigMap", Namespace: s.Namespace, Name: s.InventoryName()}
}

package apply

import (
	"context"
	"sort"

	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/ssa"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// DeletePlan lists what Delete would do, in the order it would do it,
// without deleting anything: the members wave by wave, the last wave
// first (DeletedAction, or SkippedAction for those annotated
// `oamgitops.dev/prune: disabled`), then the ApplySet parent. It fails
// with ErrNoInventory when inv is not in the cluster.
func (a *Applier) DeletePlan(ctx context.Context, inv Inventory) (*ssa.ChangeSet, error) {
	changes := ssa.NewChangeSet()
	if err := inv.validate(); err != nil {
		return changes, err
	}
	_, members, err := a.members(ctx, inv)
	if err != nil {
		return changes, err
	}
	waves, err := planWaves(members)
	if err != nil {
		return changes, err
	}
	for i := len(waves) - 1; i >= 0; i-- {
		// The order ssa's DeleteAll goes in within a wave.
		objects := append([]*unstructured.Unstructured(nil), waves[i].objects...)
		sort.Sort(sort.Reverse(ssa.SortableUnstructureds(objects)))
		for _, obj := range objects {
			action := ssa.DeletedAction
			if obj.GetAnnotations()[PruneAnnotation] == PruneDisabled {
				action = ssa.SkippedAction
			}
			changes.Add(ssa.ChangeSetEntry{ObjMetadata: object.UnstructuredToObjMetadata(obj),
				GroupVersion: obj.GroupVersionKind().Version, Subject: subject(obj), Action: action})
		}
	}
	parent := &unstructured.Unstructured{}
	parent.SetGroupVersionKind(schema.GroupVersionKind{Version: "v1", Kind: inv.Kind})
	parent.SetNamespace(inv.Namespace)
	parent.SetName(inv.Name)
	changes.Add(ssa.ChangeSetEntry{ObjMetadata: object.UnstructuredToObjMetadata(parent), GroupVersion: "v1",
		Subject: subject(parent), Action: ssa.DeletedAction})
	return changes, nil
}

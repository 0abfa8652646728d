package apply

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ListInventories reads every kubectl-gitops ApplySet parent (ConfigMaps
// and Secrets) in namespace, or in all namespaces when it is "", sorted by
// namespace and name.
func (a *Applier) ListInventories(ctx context.Context, namespace string) ([]InventoryRecord, error) {
	var out []InventoryRecord
	for _, kind := range []string{"ConfigMap", "Secret"} {
		list := &metav1.PartialObjectMetadataList{}
		list.APIVersion, list.Kind = "v1", kind+"List"
		opts := []client.ListOption{client.HasLabels{ApplySetIDLabel}}
		if namespace != "" {
			opts = append(opts, client.InNamespace(namespace))
		}
		if err := a.client.List(ctx, list, opts...); err != nil {
			if kind == "Secret" && apierrors.IsForbidden(err) {
				continue // sources keep their inventories in ConfigMaps unless told otherwise
			}
			return nil, fmt.Errorf("list inventories (%s): %w", kind, err)
		}
		for i := range list.Items {
			m := &list.Items[i]
			inv := Inventory{Kind: kind, Namespace: m.Namespace, Name: m.Name}
			tool, _, _ := strings.Cut(m.Annotations[ApplySetToolingAnnotation], "/")
			if tool != FieldManager || m.Labels[ApplySetIDLabel] != ApplySetID(inv) {
				continue
			}
			out = append(out, *recordOf(inv, m))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		x, y := out[i].Inventory, out[j].Inventory
		return x.Namespace+"/"+x.Name+"/"+x.Kind < y.Namespace+"/"+y.Name+"/"+y.Kind
	})
	return out, nil
}

// ListNestable lists the inventories that may hold nested sources of
// sources in namespaces: in every namespace, or, when listing across
// namespaces is forbidden, in each of namespaces (forbidden says so).
// `ls`, `delete`, `history` and the agent's garbage collection find nested
// sources through it.
func (a *Applier) ListNestable(ctx context.Context, namespaces []string) (records []InventoryRecord, forbidden bool, err error) {
	records, err = a.ListInventories(ctx, "")
	if err == nil || !apierrors.IsForbidden(err) {
		return records, false, err
	}
	records = nil
	for _, ns := range slices.Compact(slices.Sorted(slices.Values(namespaces))) {
		recs, err := a.ListInventories(ctx, ns)
		if err != nil {
			return nil, true, err
		}
		records = append(records, recs...)
	}
	return records, true, nil
}

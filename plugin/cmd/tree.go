package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/plugin/status"
)

// sourceTree reads the inventories of srcs and of the nested sources their
// syncs declared, in the order sync goes (see withNested). A source with no
// inventory is left out with the error missing makes of it.
func sourceTree(ctx context.Context, applier *apply.Applier, srcs []source.Declaration, errOut io.Writer,
	missing func(s source.Declaration, inv apply.Inventory, err error) error) ([]target, []error) {
	var errs []error
	var roots []target
	for _, s := range srcs {
		inv := apply.InventoryOf(s)
		rec, err := applier.ReadInventory(ctx, inv)
		switch {
		case errors.Is(err, apply.ErrNoInventory):
			errs = append(errs, missing(s, inv, err))
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", s, err))
		default:
			roots = append(roots, target{name: s.Name, rec: *rec})
		}
	}
	if len(roots) == 0 {
		return nil, errs
	}
	all, err := inventories(ctx, applier, roots, errOut)
	if err != nil {
		return nil, append(errs, err)
	}
	return withNested(roots, all), errs
}

func reverse(targets []target) {
	for i, j := 0, len(targets)-1; i < j; i, j = i+1, j-1 {
		targets[i], targets[j] = targets[j], targets[i]
	}
}

// target is a source found in the cluster: its name and the record of its
// inventory.
type target struct {
	name string
	rec  apply.InventoryRecord
}

// inventories lists the inventories that may be nested sources: in every
// namespace, or, when that is forbidden, in the namespaces of the roots.
func inventories(ctx context.Context, applier *apply.Applier, roots []target, errOut io.Writer) ([]apply.InventoryRecord, error) {
	var namespaces []string
	for _, r := range roots {
		namespaces = append(namespaces, r.rec.Inventory.Namespace)
	}
	all, forbidden, err := applier.ListNestable(ctx, namespaces)
	if forbidden {
		fmt.Fprintln(errOut, "warning: cannot list inventories in all namespaces; nested sources are looked for in the namespaces of the sources given")
	}
	return all, err
}

// withNested is the order sync goes in: roots in the order given, each
// followed by its nested sources depth first, oldest first (the order of
// their first sync; see status.Tree). Each inventory comes once.
func withNested(roots []target, all []apply.InventoryRecord) []target {
	tree := status.NewTree(all)
	seen := map[apply.Inventory]bool{}
	var order []target
	for _, r := range roots {
		tree.Walk(r.rec, r.name, seen, func(rec apply.InventoryRecord, names []string) {
			order = append(order, target{name: names[len(names)-1], rec: rec})
		})
	}
	return order
}

package agent

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/fluxcd/pkg/ssa"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/reconcile"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/plugin/status"
)

// Finalizer is put on each Application the agent syncs. Deleting the
// Application then deletes what its sources applied first, as Flux
// garbage-collects a deleted Kustomization: each source with prune (the
// default) that no other Application declares, with its nested sources,
// in reverse dependency order. A source declared with `prune: false`, or
// by another Application too, keeps what it applied.
const Finalizer = "oamgitops.dev/finalizer"

// Collector deletes what a source applied, as the identity the source is
// applied as, and lists the inventories that may be its nested sources (a
// *reconcile.Syncer).
type Collector interface {
	Delete(ctx context.Context, s source.Declaration, inv apply.Inventory) (*ssa.ChangeSet, error)
	ListNestable(ctx context.Context, namespaces []string) ([]apply.InventoryRecord, bool, error)
}

var _ Collector = (*reconcile.Syncer)(nil)

// FinalizerWriter adds Finalizer to an Application or takes it off.
type FinalizerWriter interface {
	SetFinalizer(ctx context.Context, app *unstructured.Unstructured, present bool) error
}

// Event reasons of garbage collection.
const (
	ReasonGarbageCollected        = "GarbageCollected"
	ReasonGarbageCollectionFailed = "GarbageCollectionFailed"
)

// collection is a source to garbage-collect and the Applications being
// deleted that wait for it.
type collection struct {
	src  source.Declaration
	apps map[string]bool
}

func hasFinalizer(obj *unstructured.Unstructured) bool {
	return slices.Contains(obj.GetFinalizers(), Finalizer)
}

// deleting takes an Application being deleted: its sources are let go,
// and those with prune that nobody else declares are queued to be
// collected before its finalizer comes off. c.mu is held.
func (c *Controller) deleting(key string, obj *unstructured.Unstructured) {
	prev := c.apps[key]
	if prev != nil && prev.deleting {
		prev.obj = obj
		c.statusQueue.Add(item{app: key})
		return
	}
	st := &appState{obj: obj, decl: declaredBy(obj), deleting: true, gc: map[string]bool{}}
	if prev != nil {
		st.decl = prev.decl
	}
	c.apps[key] = st
	for _, s := range st.decl.roots {
		sk := sourceKey(s)
		if prev != nil && prev.refused[sk] != nil {
			continue // refused: never synced on its behalf
		}
		if tr := c.sources[sk]; tr != nil {
			s = tr.src // synced, its inventory written, under its first declarer's name
		}
		dropped := c.drop(key, sk)
		if c.sources[sk] != nil {
			continue // still declared by another Application
		}
		if !s.Prune {
			if dropped != nil {
				c.progress("agent: %s: its Application is being deleted: not watched; prune is off, so what it applied stays", s.Name)
			}
			continue
		}
		col := c.collect[sk]
		if col == nil {
			col = &collection{src: s, apps: map[string]bool{}}
			c.collect[sk] = col
		}
		col.apps[key] = true
		st.gc[sk] = true
		c.queue.Add(item{source: sk})
	}
	c.statusQueue.Add(item{app: key})
}

// cancelCollection is called when a source is declared again: what it
// applied stays, and the Applications that waited for it wait no more.
// c.mu is held.
func (c *Controller) cancelCollection(sk string) {
	col := c.collect[sk]
	if col == nil {
		return
	}
	delete(c.collect, sk)
	for app := range col.apps {
		if st := c.apps[app]; st != nil {
			delete(st.gc, sk)
			c.statusQueue.Add(item{app: app})
		}
	}
}

// collectSource deletes what col's source and its nested sources applied,
// then lets the Applications waiting for it go. On failure it is retried.
func (c *Controller) collectSource(ctx context.Context, key string, col *collection) {
	deleted, err := c.collect1(ctx, col.src)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.collect[key] != col {
		return // declared again meanwhile
	}
	apps := c.appObjects(col.apps)
	if err != nil {
		if ctx.Err() == nil {
			c.event(apps, corev1.EventTypeWarning, ReasonGarbageCollectionFailed, "%s: %v (retrying)", col.src.Name, err)
			c.progress("agent: %s: garbage collection: %v (retrying)", col.src.Name, err)
			c.queue.AddRateLimited(item{source: key})
		}
		return
	}
	c.queue.Forget(item{source: key})
	c.event(apps, corev1.EventTypeNormal, ReasonGarbageCollected, "%s: deleted %s", col.src.Name, list(deleted))
	c.progress("agent: %s: its Applications are deleted: deleted what it applied (%d objects)", col.src.Name, len(deleted))
	delete(c.collect, key)
	for app := range col.apps {
		if st := c.apps[app]; st != nil {
			delete(st.gc, key)
			c.statusQueue.Add(item{app: app})
		}
	}
}

// collect1 deletes the objects of s and of its nested sources, the
// deepest first, skipping nested sources another Application declares.
func (c *Controller) collect1(ctx context.Context, s source.Declaration) ([]string, error) {
	records, _, err := c.o.Collector.ListNestable(ctx, []string{s.Namespace})
	if err != nil {
		return nil, fmt.Errorf("listing inventories: %w", err)
	}
	tree := status.NewTree(records)
	root, ok := tree.Record(apply.InventoryOf(s))
	if !ok {
		return nil, nil // it never applied anything
	}
	live := c.liveInventories()
	var order []apply.Inventory
	tree.Walk(root, s.Name, map[apply.Inventory]bool{}, func(rec apply.InventoryRecord, _ []string) {
		if rec.Inventory == root.Inventory || !live[rec.Inventory] {
			order = append(order, rec.Inventory)
		}
	})
	var deleted []string
	for _, inv := range slices.Backward(order) {
		cs, err := c.o.Collector.Delete(ctx, s, inv) // nested sources too, as s's identity
		if cs != nil {
			for _, e := range cs.Entries {
				if e.Action == ssa.DeletedAction {
					deleted = append(deleted, e.Subject)
				}
			}
		}
		if err != nil && !errors.Is(err, apply.ErrNoInventory) {
			return deleted, fmt.Errorf("inventory %s/%s: %w", inv.Namespace, inv.Name, err)
		}
	}
	return deleted, nil
}

// liveInventories are the inventories of the sources Applications declare
// and of their nested sources.
func (c *Controller) liveInventories() map[apply.Inventory]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[apply.Inventory]bool{}
	for _, tr := range c.sources {
		out[apply.InventoryOf(tr.src)] = true
		for _, r := range tr.last.Records {
			out[r.Inventory] = true
		}
	}
	return out
}

// appObjects are the last seen objects of apps. c.mu is held.
func (c *Controller) appObjects(apps map[string]bool) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, k := range slices.Sorted(maps.Keys(apps)) {
		if st := c.apps[k]; st != nil {
			out = append(out, st.obj)
		}
	}
	return out
}

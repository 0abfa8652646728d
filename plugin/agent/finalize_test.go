package agent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxcd/pkg/ssa"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

// collector records the garbage collection of a test: inventories
// deleted, in order, and finalizers set.
type collector struct {
	rec *recorder
	mu  sync.Mutex
	// nested are extra inventory records (nested sources).
	nested   []apply.InventoryRecord
	deleted  []string
	failing  map[string]error // inventory name → error of its Delete
	finalize map[string]bool  // Application → finalizer present
}

func (c *collector) Delete(_ context.Context, _ source.Declaration, inv apply.Inventory) (*ssa.ChangeSet, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.failing[inv.Name]; err != nil {
		return ssa.NewChangeSet(), err
	}
	c.deleted = append(c.deleted, inv.Name)
	cs := ssa.NewChangeSet()
	cs.Add(ssa.ChangeSetEntry{Subject: "ConfigMap/team/of-" + inv.Name, Action: ssa.DeletedAction})
	return cs, nil
}

func (c *collector) ListNestable(ctx context.Context, _ []string) ([]apply.InventoryRecord, bool, error) {
	var out []apply.InventoryRecord
	for _, name := range []string{"one/a", "one/b", "two/b", "kept/b"} {
		inv := apply.Inventory{Kind: "ConfigMap", Namespace: "team", Name: "gitops." + strings.ReplaceAll(name, "/", ".")}
		if rec, err := c.rec.ReadInventory(ctx, inv); err == nil {
			out = append(out, *rec)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return append(out, c.nested...), false, nil
}

func (c *collector) SetFinalizer(_ context.Context, app *unstructured.Unstructured, present bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.finalize[KeyOf(app)] = present
	return nil
}

func (c *collector) state() (deleted []string, finalizers map[string]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]bool{}
	for k, v := range c.finalize {
		out[k] = v
	}
	return slices.Clone(c.deleted), out
}

// deleted marks app as the API server does on a delete while the agent's
// finalizer holds it.
func deleted(app *unstructured.Unstructured) *unstructured.Unstructured {
	app = app.DeepCopy()
	app.SetFinalizers([]string{"someone.else/finalizer", Finalizer})
	now := metav1.NewTime(time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC))
	app.SetDeletionTimestamp(&now)
	return app
}

// Deleting an Application deletes what its sources applied (nested
// sources first), not what a source another Application declares or one
// with prune off applied; a failed deletion keeps the finalizer and is
// retried; a source declared again is not collected.
func TestControllerCollectsDeletedApplications(t *testing.T) {
	col := &collector{failing: map[string]error{}, finalize: map[string]bool{}}
	f := newFixtureWith(t, 4, func(o *Options) { o.Collector, o.Finalizers = col, col })
	col.rec = f.rec
	one, two := f.app("one", 1, "a", "b"), f.app("two", 1, "b")
	kept := f.app("kept", 1, "b")
	kept.Object["metadata"].(map[string]any)["namespace"] = "other"
	props := kept.Object["spec"].(map[string]any)["components"].([]any)[0].(map[string]any)["properties"].(map[string]any)
	props["prune"] = false
	for _, app := range []*unstructured.Unstructured{one, two, kept} {
		f.c.SetApplication(app)
	}
	f.eventually("all synced", func() string {
		return f.syncedAt("one/a", f.revs[0])() + f.syncedAt("one/b", f.revs[0])() + f.syncedAt("kept/b", f.revs[0])()
	})
	f.eventually("the finalizer on each", func() string {
		if _, fin := col.state(); !fin["team/one"] || !fin["team/two"] || !fin["other/kept"] {
			return fmt.Sprintf("finalizers %v", fin)
		}
		return ""
	})
	col.mu.Lock()
	parent := apply.Inventory{Kind: "ConfigMap", Namespace: "team", Name: "gitops.one.a"}
	col.nested = []apply.InventoryRecord{{Inventory: apply.Inventory{Kind: "ConfigMap", Namespace: "team", Name: "gitops.nested"},
		Source: &apply.SourceRecord{Name: "nested", Parent: &parent}}}
	col.failing["gitops.nested"] = errors.New("the API server said no")
	col.mu.Unlock()

	// one: a (with a nested source) is collected; b, which two declares too, is not.
	f.c.SetApplication(deleted(one))
	f.eventually("the failure retried, the finalizer kept", func() string {
		if _, fin := col.state(); !fin["team/one"] {
			return "finalizer taken off although the deletion failed"
		}
		if n := f.c.queue.NumRequeues(item{source: sourceKey(declaredBy(one).roots[0])}); n < 1 {
			return "not requeued yet"
		}
		return ""
	})
	col.mu.Lock()
	delete(col.failing, "gitops.nested")
	col.mu.Unlock()
	f.clock.Step(2 * time.Second) // the rate limiter's first delay
	f.eventually("one collected, its finalizer off", func() string {
		del, fin := col.state()
		if strings.Join(del, " ") != "gitops.nested gitops.one.a" || fin["team/one"] {
			return fmt.Sprintf("deleted %v (want the nested source, then one/a), finalizers %v", del, fin)
		}
		return ""
	})

	// kept (prune off): nothing deleted, the finalizer comes off at once.
	f.c.SetApplication(deleted(kept))
	f.eventually("kept's finalizer off", func() string {
		if _, fin := col.state(); fin["other/kept"] {
			return "still on"
		}
		return ""
	})
	if del, _ := col.state(); len(del) != 2 {
		t.Errorf("deleted %v after a source with prune off went, want nothing more", del)
	}

	// two is deleted; its source's collection fails once and waits for its
	// retry; declared again meanwhile, it is not collected.
	col.mu.Lock()
	col.failing["gitops.one.b"] = errors.New("slow") // synced under its first declarer's name
	col.mu.Unlock()
	f.c.SetApplication(deleted(two))
	f.eventually("the first attempt failed", func() string {
		if n := f.c.queue.NumRequeues(item{source: sourceKey(declaredBy(two).roots[0])}); n < 1 {
			return "not requeued yet"
		}
		return ""
	})
	col.mu.Lock()
	delete(col.failing, "gitops.one.b") // a retry would now delete
	col.mu.Unlock()
	f.c.SetApplication(f.app("again", 1, "b"))
	f.eventually("two's finalizer off", func() string {
		if _, fin := col.state(); fin["team/two"] {
			return "still on"
		}
		return ""
	})
	f.clock.Step(2 * time.Second)
	f.still("b declared again: not collected", func() string {
		if del, _ := col.state(); len(del) != 2 {
			return fmt.Sprintf("deleted %v", del)
		}
		return ""
	})
}

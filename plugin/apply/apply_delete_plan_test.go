package apply

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDeletePlan(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := testContext(t)
	a, counter := newTestApplier(t)
	opts := testOptions(ns)
	objects := append(chain(t, ns), configMaps(t, ns, "kept")...)
	objects[len(objects)-1].SetAnnotations(map[string]string{PruneAnnotation: PruneDisabled})
	if _, err := a.DeletePlan(ctx, opts.Inventory); !errors.Is(err, ErrNoInventory) {
		t.Errorf("DeletePlan before any apply: %v, want ErrNoInventory", err)
	}
	if _, err := a.Apply(ctx, objects, opts); err != nil {
		t.Fatal(err)
	}
	counter.take()
	cs, err := a.DeletePlan(ctx, opts.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	if writes := counter.take(); len(writes) != 0 {
		t.Errorf("DeletePlan wrote: %v", writes)
	}
	var got []string
	for _, e := range cs.Entries {
		got = append(got, e.Subject+" "+string(e.Action))
	}
	// The order Delete goes in: the last wave first, the parent last. The
	// kept ConfigMap depends on nothing: it is in the first wave with db.
	want := []string{
		"Secret/" + ns + "/last deleted",
		"ConfigMap/" + ns + "/after-db deleted",
		"Deployment/" + ns + "/db deleted",
		"ConfigMap/" + ns + "/kept skipped",
		"ConfigMap/" + ns + "/inventory deleted",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	if _, err := a.ReadInventory(ctx, opts.Inventory); err != nil {
		t.Errorf("ReadInventory after DeletePlan: %v", err)
	}
	dopts := DefaultDeleteOptions()
	dopts.PollInterval = opts.PollInterval
	deleted, err := a.Delete(ctx, opts.Inventory, dopts)
	if err != nil {
		t.Fatal(err)
	}
	var did []string
	for _, e := range deleted.Entries {
		did = append(did, e.Subject+" "+string(e.Action))
	}
	if diff := cmp.Diff(got, did); diff != "" {
		t.Errorf("Delete did other than the plan (-plan +did):\n%s", diff)
	}
}

package apply

import (
	"errors"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Two applies of one source at once, of different revisions, the other
// taking no Lease (a client without the right to Leases): the one whose
// inventory the other wrote meanwhile stops before it prunes or records,
// so it deletes nothing the other applied. (Two applies of one revision
// apply the same set; they agree.)
func TestApplyStopsWhenAnotherWroteTheInventory(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := testContext(t)
	a, _ := newTestApplier(t)
	other, _ := newTestApplier(t)
	opts := testOptions(ns)
	if _, err := a.Apply(ctx, configMaps(t, ns, "a1", "a2"), opts); err != nil {
		t.Fatal(err)
	}

	opts.Revision = "main@sha1:aaaa"
	racing := opts
	racing.Revision = "main@sha1:bbbb"
	raced := false
	var otherErr error
	racing.Progress = func(e WaveEvent) {
		if raced || e.Healthy {
			return
		}
		raced = true // the other sync runs whole while this one is in its first wave
		unlocked := opts
		unlocked.LockWait = -1
		_, otherErr = other.Apply(ctx, configMaps(t, ns, "b1"), unlocked)
	}
	_, err := a.Apply(ctx, configMaps(t, ns, "a1", "a3"), racing)
	if otherErr != nil {
		t.Fatalf("the other sync: %v", otherErr)
	}
	if !errors.Is(err, ErrConcurrentSync) {
		t.Fatalf("the raced apply: %v, want ErrConcurrentSync", err)
	}
	if _, err := env.Client.CoreV1().ConfigMaps(ns).Get(ctx, "b1", metav1.GetOptions{}); err != nil {
		t.Errorf("what the other sync applied: %v, want it kept", err)
	}
	rec, err := a.ReadInventory(ctx, opts.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Revision != opts.Revision {
		t.Errorf("the inventory records %q after the race, want the other sync's %q", rec.Revision, opts.Revision)
	}

	// Alone again, the next apply goes through.
	if _, err := a.Apply(ctx, configMaps(t, ns, "b1"), opts); err != nil {
		t.Fatalf("the next apply: %v", err)
	}
}

// Two syncs of one source started together take turns (the Lease named as
// the inventory): the second applies nothing until the first is done, then
// applies its own revision; the Lease is gone after both.
func TestSyncsOfOneSourceTakeTurns(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := testContext(t)
	a, _ := newTestApplier(t)
	other, _ := newTestApplier(t)
	first := testOptions(ns)
	first.Revision = "main@sha1:aaaa"
	second := first
	second.Revision = "main@sha1:bbbb"
	var waitedFor string
	second.Waiting = func(holder string) { waitedFor = holder }
	secondDone := make(chan error, 1)
	started := false
	first.Progress = func(e WaveEvent) {
		if started || e.Healthy {
			return
		}
		started = true
		go func() { _, err := other.Apply(ctx, configMaps(t, ns, "b1"), second); secondDone <- err }()
		// Give the second sync time to interleave, were it not waiting.
		time.Sleep(3 * time.Second)
		if _, err := env.Client.CoreV1().ConfigMaps(ns).Get(ctx, "b1", metav1.GetOptions{}); err == nil {
			t.Errorf("the second sync applied while the first was in its first wave")
		}
	}
	if _, err := a.Apply(ctx, configMaps(t, ns, "a1"), first); err != nil {
		t.Fatalf("the first sync: %v", err)
	}
	if err := <-secondDone; err != nil {
		t.Fatalf("the second sync, after its turn: %v", err)
	}
	if waitedFor != a.holder {
		t.Errorf("the second sync waited for %q, want the first's holder %q", waitedFor, a.holder)
	}
	rec, err := a.ReadInventory(ctx, first.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Revision != second.Revision {
		t.Errorf("the inventory records %q, want the later sync's %q", rec.Revision, second.Revision)
	}
	if _, err := env.Client.CoreV1().ConfigMaps(ns).Get(ctx, "a1", metav1.GetOptions{}); err == nil {
		t.Errorf("the second sync did not prune a1, which its revision lacks")
	}
	if _, err := env.Client.CoordinationV1().Leases(ns).Get(ctx, first.Inventory.Name, metav1.GetOptions{}); err == nil {
		t.Errorf("the Lease outlived both syncs")
	}

	// A holder that is not let go is waited for only LockWait.
	busy := testOptions(ns)
	release, err := a.lockSource(ctx, busy.Inventory, time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	busy.LockWait = time.Second
	if _, err := other.Apply(ctx, configMaps(t, ns, "c1"), busy); !errors.Is(err, ErrSourceBusy) {
		t.Errorf("a sync while another holds the Lease: %v, want ErrSourceBusy", err)
	}
}

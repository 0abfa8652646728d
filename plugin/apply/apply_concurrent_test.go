package apply

import (
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Two applies of one source at once, of different revisions (a CI sync
// racing the agent): the one whose inventory the other wrote meanwhile
// stops before it prunes or records, so it deletes nothing the other
// applied. (Two applies of one revision apply the same set; they agree.)
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
		_, otherErr = other.Apply(ctx, configMaps(t, ns, "b1"), opts)
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

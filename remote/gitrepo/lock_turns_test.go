package gitrepo

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// Waiters for one lock file get it in the order they came, however fast
// the others take it again: none starves.
func TestLockFileTakesTurns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	ctx := context.Background()
	first, err := lockFile(ctx, path, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockFile(ctx, path, false); err != errLocked {
		t.Fatalf("a second lock without waiting: %v, want errLocked", err)
	}
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() {
			l, err := lockFile(ctx, path, true)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			l.unlock()
		})
		time.Sleep(20 * time.Millisecond) // waiting before the next comes
	}
	first.unlock()
	wg.Wait()
	if !slices.Equal(order, []int{0, 1, 2, 3, 4}) {
		t.Errorf("order %v, want the order they came in", order)
	}
	cancelled, cancel := context.WithCancel(ctx)
	held, err := lockFile(ctx, path, true)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := lockFile(cancelled, path, true); err == nil {
		t.Error("a cancelled wait took the lock")
	}
	held.unlock()
}

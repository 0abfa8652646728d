package gitrepo

import (
	"context"
	"fmt"
	"sync"
)

// turns queues this process's goroutines waiting for one lock file. The
// file lock only excludes: a waiter polling for it can lose to the others
// every time it frees, and under load one did, for minutes (one source of
// 200 never fetched while the rest fetched in a loop). Senders blocked on
// a channel are served in the order they came, so here the lock goes
// round. Process-wide, as the file lock it fronts.
var turns sync.Map // lock file path → chan struct{}, capacity 1

// takeTurn waits for this process's turn at path (or, without wait, takes
// it only when free) and returns what gives it back.
func takeTurn(ctx context.Context, path string, wait bool) (func(), error) {
	v, _ := turns.LoadOrStore(path, make(chan struct{}, 1))
	turn := v.(chan struct{})
	release := func() { <-turn }
	if !wait {
		select {
		case turn <- struct{}{}:
			return release, nil
		default:
			return nil, errLocked
		}
	}
	select {
	case turn <- struct{}{}:
		return release, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for cache lock: %w", ctx.Err())
	}
}

// heldLock is a lock file held, with this process's turn at it.
type heldLock struct {
	*lock
	release func()
}

// lockFile takes this process's turn at path, then the lock file itself,
// which excludes other processes.
func lockFile(ctx context.Context, path string, wait bool) (*heldLock, error) {
	release, err := takeTurn(ctx, path, wait)
	if err != nil {
		return nil, err
	}
	l, err := lockPath(ctx, path, wait)
	if err != nil {
		release()
		return nil, err
	}
	return &heldLock{lock: l, release: release}, nil
}

func (h *heldLock) unlock() {
	h.lock.unlock()
	h.release()
}

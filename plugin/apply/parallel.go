package apply

import (
	"context"
	"sync"
)

// Concurrency is how many requests an Applier has in flight at once when
// it reads or dry-runs many objects (the unchanged checks, health polls and
// ssa's drift detection). One at a time made a 4000-object sync wait on
// round trips.
const Concurrency = 8

// forEach calls fn for each index below n with at most Concurrency calls
// at once, and returns when all are done. fn writes its result into a slot
// of its own, so the caller's order is kept.
func forEach(ctx context.Context, n int, fn func(ctx context.Context, i int)) {
	if n == 0 {
		return
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(Concurrency, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				fn(ctx, i)
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
}

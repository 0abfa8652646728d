package apply

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestForEach(t *testing.T) {
	for _, n := range []int{0, 1, Concurrency, 3*Concurrency + 1} {
		var running, most atomic.Int32
		seen := make([]int, n)
		forEach(context.Background(), n, func(_ context.Context, i int) {
			now := running.Add(1)
			for {
				m := most.Load()
				if now <= m || most.CompareAndSwap(m, now) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			seen[i]++
			running.Add(-1)
		})
		for i, c := range seen {
			if c != 1 {
				t.Errorf("n=%d: index %d done %d times, want once", n, i, c)
			}
		}
		if most.Load() > Concurrency {
			t.Errorf("n=%d: %d calls at once, want at most %d", n, most.Load(), Concurrency)
		}
	}
}

package imageauto

import (
	"context"
	"sync"

	"github.com/oamgitops/kubectl-gitops/internal/syncio"
)

// DefaultWorkers is how many repositories `image update` and watch's
// image pass update at once.
const DefaultWorkers = 4

// UpdateAll updates each of srcs, up to workers repositories at once
// (fewer than one means one), and returns their results and errors in the
// order given. The sources of one repository are updated one after
// another in that order, so their pushes to a branch never race each
// other; a pass over many repositories takes about as long as its slowest
// ones, not their sum. With a Seen, the plain sources of one repository
// and ref share one fetch per pass. A failing source does not stop the
// others. Progress lines of sources updated at once are written whole,
// never interleaved.
func (u *Updater) UpdateAll(ctx context.Context, srcs []Source, workers int) ([]*Result, []error) {
	results := make([]*Result, len(srcs))
	errs := make([]error, len(srcs))
	var groups [][]int
	byRepo := map[string]int{}
	for i, s := range srcs {
		g, ok := byRepo[s.Git.URL]
		if !ok {
			g = len(groups)
			byRepo[s.Git.URL] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	one := *u
	if one.Options.Progress != nil {
		one.Options.Progress = syncio.NewWriter(one.Options.Progress)
	}
	work := make(chan []int)
	var wg sync.WaitGroup
	for range max(1, min(workers, len(groups))) {
		wg.Go(func() {
			for g := range work {
				ps := pass{} // the group is one repository
				for _, i := range g {
					results[i], errs[i] = one.update(ctx, srcs[i], ps)
				}
			}
		})
	}
	for _, g := range groups {
		work <- g
	}
	close(work)
	wg.Wait()
	return results, errs
}

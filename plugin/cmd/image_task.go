package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/oamgitops/kubectl-gitops/plugin/imageauto"
	"github.com/oamgitops/kubectl-gitops/plugin/watch"
)

// imageUpdateOptions are the options of `image update` with its defaults,
// for the loops (watch, agent) that run it as a task.
func (o SourceOptions) imageUpdateOptions() *ImageUpdateOptions {
	d := imageauto.DefaultOptions()
	return &ImageUpdateOptions{SourceOptions: o, AuthorName: d.Author.Name,
		AuthorEmail: d.Author.Email, RegistryTimeout: d.RegistryTimeout, PushAttempts: d.MaxPushAttempts}
}

// imageTask is image automation as a watch task: u.UpdateAll over srcs,
// workers repositories at once, every interval, sources found without a
// policy skipped until their revision changes. It says only what it
// pushed (an "up to date" every minute is noise); the loop reports its
// failures.
func imageTask(u *imageauto.Updater, srcs []imageauto.Source, interval time.Duration, workers int, errOut io.Writer) watch.Task {
	u.Options.Progress = nil
	if u.Seen == nil {
		u.Seen = imageauto.NewSeen() // kept across passes: the agent gives the same u each time
	}
	return watch.Task{Name: "image automation", Interval: interval, Run: func(ctx context.Context) (bool, error) {
		changed := false
		var errs []error
		results, failures := u.UpdateAll(ctx, srcs, workers)
		for i, res := range results {
			if err := failures[i]; err != nil {
				errs = append(errs, err)
			}
			if res != nil && res.Commit != "" {
				changed = true
				for _, c := range res.Changes {
					fmt.Fprintf(errOut, "%s: image automation pushed %.7s to %s: %s:%d: %s -> %s\n",
						res.Source, res.Commit, res.Branch, c.File, c.Line, c.Old, c.New)
				}
			}
		}
		return changed, errors.Join(errs...)
	}}
}

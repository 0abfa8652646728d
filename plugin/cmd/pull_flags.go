package cmd

import (
	"errors"
	"time"

	"github.com/spf13/pflag"

	"github.com/oamgitops/kubectl-gitops/plugin/imageauto"
	"github.com/oamgitops/kubectl-gitops/plugin/reconcile"
	"github.com/oamgitops/kubectl-gitops/plugin/watch"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
)

// PullFlags are the flags of the pull loop, shared by watch and agent.
// Their defaults are the packages' own (reconcile.DefaultSyncOptions,
// watch.DefaultOptions, imageauto.DefaultInterval), never typed again here.
type PullFlags struct {
	// Timeout bounds the wait for each wave to become healthy.
	Timeout time.Duration
	// AllowEmpty lets a source that renders nothing prune everything.
	AllowEmpty bool
	// Interval is how often a source without a pullInterval is fetched.
	Interval time.Duration
	// DriftInterval is how often the last revision is synced again.
	DriftInterval time.Duration
	// ImageInterval is how often image automation runs on the sources;
	// zero turns it off.
	ImageInterval time.Duration
}

// addFlags registers the flags with their defaults; images says what
// image automation runs on (for --image-interval's help).
func (p *PullFlags) addFlags(f *pflag.FlagSet, images string) {
	sync, loop := reconcile.DefaultSyncOptions(), watch.DefaultOptions()
	f.DurationVar(&p.Timeout, "timeout", sync.WaveTimeout, "how long each wave may take to become healthy")
	f.BoolVar(&p.AllowEmpty, "allow-empty", sync.AllowEmpty, "let a source that renders no objects prune everything it applied before")
	f.DurationVar(&p.Interval, "interval", loop.Interval, "how often to fetch a source that sets no pullInterval")
	f.DurationVar(&p.DriftInterval, "drift-interval", loop.DriftInterval, "how often to sync the last revision again to repair drift")
	f.DurationVar(&p.ImageInterval, "image-interval", imageauto.DefaultInterval,
		"how often to run image automation (`image update` on "+images+", then a sync of what it pushed); 0 turns it off")
}

func (p *PullFlags) validate() error {
	switch {
	case p.Timeout <= 0:
		return errors.New("--timeout must be positive")
	case p.Interval <= 0:
		return errors.New("--interval must be positive")
	case p.DriftInterval <= 0:
		return errors.New("--drift-interval must be positive")
	case p.ImageInterval < 0:
		return errors.New("--image-interval must not be negative")
	}
	return nil
}

// settings are the pull loop's settings, its checkouts shared by trees.
func (p *PullFlags) settings(trees *gitrepo.Trees) pullSettings {
	return pullSettings{p.Timeout, p.AllowEmpty, p.Interval, p.DriftInterval, trees}
}

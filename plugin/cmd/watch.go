package cmd

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/kubernetes"

	"github.com/oamgitops/kubectl-gitops/plugin/imageauto"
	"github.com/oamgitops/kubectl-gitops/plugin/reconcile"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/plugin/watch"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
)

// WatchOptions keep a cluster in step with sources until stopped.
type WatchOptions struct {
	SourceOptions
	PullFlags
	// Once runs one pass, like sync, and exits.
	Once bool

	// Args are the SOURCE arguments; SourceOptions.Arg is the first.
	Args []string
}

// NewCmdWatch builds `kubectl gitops watch SOURCE…`.
func NewCmdWatch(streams IOStreams) *cobra.Command {
	o := &WatchOptions{SourceOptions: newSourceOptions(streams)}
	cmd := &cobra.Command{
		Use:   "watch [SOURCE...]",
		Short: "Keep a cluster in step with sources: sync new commits and repair drift until stopped",
		Long: "The pull loop. Each source (every SOURCE, or the one --repo declares, and the nested sources\n" +
			"their builds declare) is fetched every --interval, or every pullInterval its Application sets;\n" +
			"a new revision is built and synced like `kubectl gitops sync` does. Every --drift-interval the\n" +
			"last revision is synced again, which sends nothing to the cluster unless an object drifted\n" +
			"from Git, and puts it back if one did. A source that fails is retried with backoff (10s,\n" +
			"doubling, at most its interval) while the others go on. One sync runs at a time.\n" +
			"Progress goes to stderr. Stop with Ctrl-C or SIGTERM; --once runs a single pass and exits\n" +
			"non-zero when a source failed.",
		Example: "  kubectl gitops watch clusters/infra.yaml clusters/apps.yaml\n" +
			"  kubectl gitops watch --repo https://git.example.com/config.git --branch main --path ./apps --interval 30s\n" +
			"  kubectl gitops watch --once clusters/apps.yaml",
		RunE: runUntilSignal(o),
	}
	o.SourceOptions.addFlags(cmd.Flags())
	o.SourceOptions.addBuildFlags(cmd.Flags())
	o.PullFlags.addFlags(cmd.Flags(), "the SOURCEs")
	cmd.Flags().BoolVar(&o.Once, "once", false, "run one pass over every source, like sync, and exit")
	return cmd
}

// Complete fills the options from arguments and the kubeconfig.
func (o *WatchOptions) Complete(args []string) error {
	o.Args = args
	first := args
	if len(first) > 1 {
		first = first[:1]
	}
	return o.complete(first)
}

// Validate checks the options.
func (o *WatchOptions) Validate() error {
	if err := o.PullFlags.validate(); err != nil {
		return err
	}
	return o.SourceOptions.validate()
}

// Run watches until ctx is done, or runs one pass with Once.
func (o *WatchOptions) Run(ctx context.Context) error {
	roots, err := o.roots()
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(o.restConfig)
	if err != nil {
		return fmt.Errorf("cluster client: %w", err)
	}
	trees := &gitrepo.Trees{}
	defer trees.Close()
	loop, _, err := o.SourceOptions.pullLoop(client, o.PullFlags.settings(trees))
	if err != nil {
		return err
	}
	if o.ImageInterval > 0 {
		task, err := o.imageTask()
		if err != nil {
			return err
		}
		loop.Tasks = append(loop.Tasks, task)
	}
	if o.Once {
		return loop.Once(ctx, roots)
	}
	fmt.Fprintf(o.ErrOut, "watching %s; drift checks every %s (Ctrl-C stops)\n", describe(roots, o.Interval), o.DriftInterval)
	if err := loop.Run(ctx, roots); err != nil {
		return err
	}
	fmt.Fprintln(o.ErrOut, "watch stopped")
	return nil
}

// imageTask is image automation as a watch task: `image update` on each
// source the SOURCEs (or the --repo flags) declare.
func (o *WatchOptions) imageTask() (watch.Task, error) {
	iu := o.SourceOptions.imageUpdateOptions()
	var srcs []imageauto.Source
	args := o.Args
	if len(args) == 0 {
		args = []string{""} // --repo
	}
	for _, arg := range args {
		iu.Arg = arg
		s, err := iu.imageSources()
		if err != nil {
			return watch.Task{}, err
		}
		srcs = append(srcs, s...)
	}
	u, err := iu.updater()
	if err != nil {
		return watch.Task{}, err
	}
	return imageTask(u, srcs, o.ImageInterval, imageauto.DefaultWorkers, o.ErrOut), nil
}

// pullSettings are the flags watch and agent share.
type pullSettings struct {
	timeout                 time.Duration
	allowEmpty              bool
	interval, driftInterval time.Duration
	// trees shares the checkouts of a commit; the caller closes it.
	trees *gitrepo.Trees
}

// pullLoop builds the watch loop watch and agent run (without tasks), and
// the Syncer its syncs use.
func (o SourceOptions) pullLoop(client kubernetes.Interface, s pullSettings) (*watch.Loop, *reconcile.Syncer, error) {
	w, err := o.walker(client, s.trees)
	if err != nil {
		return nil, nil, err
	}
	so := SyncOptions{SourceOptions: o, Timeout: s.timeout, AllowEmpty: s.allowEmpty}
	syncer, err := so.syncer()
	if err != nil {
		return nil, nil, err
	}
	// Drift checks say what they repaired themselves; the sync's own
	// lines would repeat on every check.
	quiet := *syncer
	quiet.Options.Progress = nil
	opts := watch.DefaultOptions()
	opts.Interval, opts.DriftInterval, opts.Progress = s.interval, s.driftInterval, o.ErrOut
	return &watch.Loop{Fetcher: w, Syncer: syncer, DriftSyncer: &quiet, Options: opts}, syncer, nil
}

// roots resolves every SOURCE argument, or the --repo flags.
func (o *WatchOptions) roots() ([]source.Declaration, error) {
	if len(o.Args) <= 1 {
		return o.sources()
	}
	var roots []source.Declaration
	for _, arg := range o.Args {
		o.Arg = arg
		srcs, err := o.sources()
		if err != nil {
			return nil, err
		}
		roots = append(roots, srcs...)
	}
	o.Arg = o.Args[0]
	return roots, nil
}

// describe lists sources with their intervals: "apps/apps (every 1m0s)".
func describe(srcs []source.Declaration, def time.Duration) string {
	parts := make([]string, 0, len(srcs))
	for _, s := range srcs {
		every := def
		if s.Interval > 0 {
			every = s.Interval
		}
		parts = append(parts, fmt.Sprintf("%s (every %s)", s.Name, every))
	}
	return strings.Join(parts, ", ")
}

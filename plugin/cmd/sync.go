package cmd

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/build"
	"github.com/oamgitops/kubectl-gitops/plugin/reconcile"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
)

// SyncOptions syncs a source (and its nested sources) into a cluster once.
type SyncOptions struct {
	SourceOptions
	OutputOptions
	// Timeout bounds the wait for each wave to become healthy.
	Timeout time.Duration
	// AllowEmpty lets a source that renders nothing prune everything.
	AllowEmpty bool
}

// NewCmdSync builds `kubectl gitops sync SOURCE`.
func NewCmdSync(streams IOStreams) *cobra.Command {
	o := &SyncOptions{SourceOptions: newSourceOptions(streams)}
	cmd := &cobra.Command{
		Use:   "sync [SOURCE]",
		Short: "Fetch, build and apply a source once, waiting for health in dependency order",
		Long: "SOURCE is a file or directory of Applications whose `type: kustomize` components name Git\n" +
			"sources (clusters/infra.yaml), or a source declared with --repo. Each source is fetched, built,\n" +
			"applied with server-side apply in waves gated on health, and pruned of what left it; sources\n" +
			"that its build declares are synced after it. SOPS-encrypted files are decrypted in memory with the age\n" +
			"keys of the Secret a source's decryption names, else of SOPS_AGE_KEY_FILE. Progress goes to stderr, a\n" +
			"table of every object to stdout (-o yaml|json: one result per source).",
		Example: "  kubectl gitops sync clusters/infra.yaml\n" +
			"  kubectl gitops sync --repo https://git.example.com/config.git --branch main --path ./apps --secret git-secret",
		RunE: runE(o),
	}
	o.SourceOptions.addFlags(cmd.Flags())
	o.SourceOptions.addBuildFlags(cmd.Flags())
	o.OutputOptions.addFlags(cmd.Flags())
	cmd.Flags().DurationVar(&o.Timeout, "timeout", reconcile.DefaultSyncOptions().WaveTimeout, "how long each wave may take to become healthy")
	cmd.Flags().BoolVar(&o.AllowEmpty, "allow-empty", false, "let a source that renders no objects prune everything it applied before")
	return cmd
}

// Complete fills the options from arguments and the kubeconfig.
func (o *SyncOptions) Complete(args []string) error { return o.complete(args) }

// Validate checks the options.
func (o *SyncOptions) Validate() error {
	if o.Timeout <= 0 {
		return fmt.Errorf("--timeout must be positive")
	}
	if err := o.OutputOptions.validate(); err != nil {
		return err
	}
	return o.SourceOptions.validate()
}

// syncer is the Syncer of the options.
func (o *SyncOptions) syncer() (*reconcile.Syncer, error) {
	appliers, err := apply.NewAppliers(o.restConfig, Version)
	if err != nil {
		return nil, err
	}
	so := reconcile.DefaultSyncOptions()
	so.WaveTimeout, so.AllowEmpty, so.Progress, so.DefaultServiceAccount = o.Timeout, o.AllowEmpty, o.ErrOut, o.DefaultServiceAccount
	return &reconcile.Syncer{Appliers: appliers, Options: so}, nil
}

// Run syncs.
func (o *SyncOptions) Run(ctx context.Context) error {
	trees := &gitrepo.Trees{}
	defer trees.Close()
	srcs, w, err := o.prepare(trees)
	if err != nil {
		return err
	}
	syncer, err := o.syncer()
	if err != nil {
		return err
	}
	results := []*apply.Result{}
	err = w.Walk(ctx, srcs, func(ctx context.Context, b *build.Built) error {
		res, err := syncer.Sync(ctx, b)
		results = append(results, res)
		return err
	})
	if o.machine() {
		if perr := o.print(o.Out, results); perr != nil && err == nil {
			err = perr
		}
		return err
	}
	if werr := printChanges(o.Out, results); werr != nil && err == nil {
		err = werr
	}
	return err
}

// printChanges writes the KIND NAMESPACE NAME ACTION table, in apply order.
func printChanges(out io.Writer, results []*apply.Result) error {
	n := 0
	for _, r := range results {
		n += len(r.Changes)
	}
	if n == 0 {
		return nil
	}
	tw := newTable(out, "KIND", "NAMESPACE", "NAME", "ACTION")
	for _, r := range results {
		for _, c := range r.Changes {
			ns := c.Namespace
			if ns == "" {
				ns = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Kind, ns, c.Name, c.Action)
		}
	}
	return tw.Flush()
}

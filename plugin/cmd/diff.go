package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/build"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
)

// Exit statuses of diff.
const (
	DiffNone  = 0
	DiffFound = 1
	DiffError = 2
)

// DiffOptions shows what a sync of a source would change.
type DiffOptions struct {
	SourceOptions
	OutputOptions
	// AllowEmpty shows a source that renders nothing pruning everything,
	// as a sync with --allow-empty would; without it the diff fails as the
	// sync would.
	AllowEmpty bool
}

// NewCmdDiff builds `kubectl gitops diff SOURCE`.
func NewCmdDiff(streams IOStreams) *cobra.Command {
	o := &DiffOptions{SourceOptions: newSourceOptions(streams)}
	cmd := &cobra.Command{
		Use:   "diff [SOURCE]",
		Short: "Show what a sync would change, with a server-side dry-run; exit 0 no diff, 1 diff, 2 error",
		Long: "Fetches and builds SOURCE (and its nested sources) like sync, then compares each object with\n" +
			"the cluster through a server-side dry-run apply, and lists the objects a sync would prune.\n" +
			"Prints a unified diff with Secret values masked. Exits 0 when nothing would change, 1 when\n" +
			"something would, and 2 on an error.",
		Example: "  kubectl gitops diff clusters/apps.yaml",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := runE(o)(cmd, args); err != nil {
				var exit *ExitError
				if errors.As(err, &exit) && exit.Code == DiffFound {
					return err
				}
				return &ExitError{Code: DiffError, Err: err}
			}
			return nil
		},
	}
	o.SourceOptions.addFlags(cmd.Flags())
	o.SourceOptions.addBuildFlags(cmd.Flags())
	o.OutputOptions.addFlags(cmd.Flags())
	cmd.Flags().BoolVar(&o.AllowEmpty, "allow-empty", false, "show a source that renders no objects pruning everything it applied before, as sync --allow-empty would")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &ExitError{Code: DiffError, Err: err} })
	return cmd
}

// Complete fills the options from arguments and the kubeconfig.
func (o *DiffOptions) Complete(args []string) error { return o.complete(args) }

// Validate checks the options.
func (o *DiffOptions) Validate() error {
	if err := o.OutputOptions.validate(); err != nil {
		return err
	}
	return o.SourceOptions.validate()
}

// Run diffs; it returns an ExitError with DiffFound when anything differs.
func (o *DiffOptions) Run(ctx context.Context) error {
	trees := &gitrepo.Trees{}
	defer trees.Close()
	srcs, w, err := o.prepare(trees)
	if err != nil {
		return err
	}
	syncer, err := (&SyncOptions{SourceOptions: o.SourceOptions, AllowEmpty: o.AllowEmpty}).syncer()
	if err != nil {
		return err
	}
	all := []apply.ObjectDiff{}
	err = w.Walk(ctx, srcs, func(ctx context.Context, b *build.Built) error {
		diffs, err := syncer.Diff(ctx, b)
		for _, d := range diffs {
			all = append(all, d)
			if !o.machine() {
				fmt.Fprintf(o.Out, "# %s %s (source %s)\n%s", d.Subject, d.Action, b.Source.Name, d.Diff)
			}
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(o.ErrOut, "%s: %d objects would change\n", b.Source.Name, len(diffs))
		return nil
	})
	if err != nil {
		return err
	}
	if o.machine() {
		if err := o.print(o.Out, all); err != nil {
			return err
		}
	}
	if len(all) > 0 {
		return &ExitError{Code: DiffFound}
	}
	return nil
}

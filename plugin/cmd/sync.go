package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fluxcd/pkg/ssa"
	"github.com/spf13/cobra"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/reconcile"
)

// SyncOptions syncs a source (and its nested sources) into a cluster once.
type SyncOptions struct {
	SourceOptions
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
			"that its build declares are synced after it. Progress goes to stderr, a table of every object to stdout.",
		Example: "  kubectl gitops sync clusters/infra.yaml\n" +
			"  kubectl gitops sync --repo https://git.example.com/config.git --branch main --path ./apps --secret git-secret",
		RunE: runE(o),
	}
	o.addFlags(cmd.Flags())
	cmd.Flags().DurationVar(&o.Timeout, "timeout", 5*time.Minute, "how long each wave may take to become healthy")
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
	return o.validate()
}

// Run syncs.
func (o *SyncOptions) Run(ctx context.Context) error {
	srcs, w, err := o.prepare()
	if err != nil {
		return err
	}
	applier, err := apply.NewApplier(o.restConfig, Version)
	if err != nil {
		return err
	}
	var entries []ssa.ChangeSetEntry
	err = w.Walk(ctx, srcs, func(ctx context.Context, b *reconcile.Built) error {
		inv := b.Source.Inventory()
		opts := apply.DefaultApplyOptions(inv)
		opts.Prune = b.Source.Prune
		opts.AllowEmpty = o.AllowEmpty
		opts.WaveTimeout = o.Timeout
		fmt.Fprintf(o.ErrOut, "%s: applying %d objects (inventory %s %s/%s)\n", b.Source.Name, len(b.Objects), inv.Kind, inv.Namespace, inv.Name)
		cs, err := applier.Apply(ctx, b.Objects, opts)
		if cs != nil {
			entries = append(entries, cs.Entries...)
			fmt.Fprintf(o.ErrOut, "%s: %s\n", b.Source.Name, summary(cs.Entries))
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(o.ErrOut, "%s: healthy at %s\n", b.Source.Name, b.Revision)
		return nil
	})
	if len(entries) > 0 {
		if werr := printChanges(o.Out, entries); werr != nil && err == nil {
			err = werr
		}
	}
	return err
}

// summary counts entries by action: "2 created, 1 unchanged".
func summary(entries []ssa.ChangeSetEntry) string {
	counts := map[ssa.Action]int{}
	for _, e := range entries {
		counts[e.Action]++
	}
	var parts []string
	for _, a := range []ssa.Action{ssa.CreatedAction, ssa.ConfiguredAction, ssa.UnchangedAction, ssa.DeletedAction, ssa.SkippedAction, ssa.UnknownAction} {
		if counts[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[a], a))
		}
	}
	if len(parts) == 0 {
		return "nothing to apply"
	}
	return strings.Join(parts, ", ")
}

// printChanges writes the KIND NAMESPACE NAME ACTION table, in apply order.
func printChanges(out io.Writer, entries []ssa.ChangeSetEntry) error {
	tw := tabwriter.NewWriter(out, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "KIND\tNAMESPACE\tNAME\tACTION")
	for _, e := range entries {
		ns := e.ObjMetadata.Namespace
		if ns == "" {
			ns = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.ObjMetadata.GroupKind.Kind, ns, e.ObjMetadata.Name, e.Action)
	}
	return tw.Flush()
}

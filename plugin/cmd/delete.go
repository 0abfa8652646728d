package cmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fluxcd/pkg/ssa"
	"github.com/spf13/cobra"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

// DeleteOptions remove everything a source (and its nested sources)
// applied.
type DeleteOptions struct {
	SourceOptions
	OutputOptions
	// Timeout bounds the wait for each wave to be gone before the wave
	// before it is deleted.
	Timeout time.Duration
	// DryRun lists what would be deleted, deleting nothing.
	DryRun bool
}

// NewCmdDelete builds `kubectl gitops delete SOURCE`.
func NewCmdDelete(streams IOStreams) *cobra.Command {
	o := &DeleteOptions{SourceOptions: newSourceOptions(streams)}
	cmd := &cobra.Command{
		Use:   "delete [SOURCE]",
		Short: "Remove everything a source applied, its nested sources first, each in reverse dependency order",
		Long: "SOURCE names sources as for sync (a file or directory of Applications, or --repo). Nothing is\n" +
			"fetched: what to delete is read from the cluster. Each source's inventory lists what it applied;\n" +
			"the sources its builds declared are found by the inventories that name it as their parent, and are\n" +
			"deleted first, the last synced first. Within a source the objects go in reverse dependency order\n" +
			"(the last wave first, each gone before the one before it), then the inventory. Objects annotated\n" +
			"oamgitops.dev/prune: disabled stay. --dry-run lists what would go.",
		Example: "  kubectl gitops delete clusters/apps.yaml --dry-run\n" +
			"  kubectl gitops delete clusters/apps.yaml",
		RunE: runE(o),
	}
	o.SourceOptions.addFlags(cmd.Flags())
	o.OutputOptions.addFlags(cmd.Flags())
	cmd.Flags().DurationVar(&o.Timeout, "timeout", apply.DefaultDeleteOptions().WaveTimeout, "how long the objects of each wave may take to be gone")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "list what would be deleted, delete nothing")
	return cmd
}

// Complete fills the options from arguments and the kubeconfig.
func (o *DeleteOptions) Complete(args []string) error { return o.complete(args) }

// Validate checks the options.
func (o *DeleteOptions) Validate() error {
	if o.Timeout <= 0 {
		return errors.New("--timeout must be positive")
	}
	if err := o.OutputOptions.validate(); err != nil {
		return err
	}
	return o.SourceOptions.validate()
}

// Run deletes, or lists with DryRun.
func (o *DeleteOptions) Run(ctx context.Context) error {
	roots, err := o.sources()
	if err != nil {
		return err
	}
	applier, err := apply.NewApplier(o.restConfig, Version)
	if err != nil {
		return err
	}
	targets, errs := sourceTree(ctx, applier, roots, o.ErrOut, func(s source.Declaration, inv apply.Inventory, _ error) error {
		return fmt.Errorf("%s: nothing to delete: inventory %s %s/%s is not in the cluster "+
			"(the source was never synced to it, or was deleted already)", s, inv.Kind, inv.Namespace, inv.Name)
	})
	reverse(targets) // nested sources before the source that declared them
	results := []*apply.Result{}
	for _, t := range targets {
		res, err := o.deleteOne(ctx, applier, t)
		results = append(results, res)
		if err != nil {
			errs = append(errs, err)
			break // what is left may be what the failed one depends on
		}
	}
	var perr error
	if o.machine() {
		perr = o.print(o.Out, results)
	} else {
		perr = printChanges(o.Out, results)
	}
	return errors.Join(append(errs, perr)...)
}

// deleteOne deletes (or plans the deletion of) one source's objects.
func (o *DeleteOptions) deleteOne(ctx context.Context, applier *apply.Applier, t target) (*apply.Result, error) {
	inv := t.rec.Inventory
	res := &apply.Result{Source: t.name, Revision: t.rec.Revision, Inventory: inv, Changes: []apply.Change{}}
	var cs *ssa.ChangeSet
	var err error
	if o.DryRun {
		cs, err = applier.DeletePlan(ctx, inv)
	} else {
		fmt.Fprintf(o.ErrOut, "%s: deleting what %s applied (inventory %s %s/%s)\n", t.name, displayRevision(t.rec.Revision), inv.Kind, inv.Namespace, inv.Name)
		dopts := apply.DefaultDeleteOptions()
		dopts.WaveTimeout = o.Timeout
		cs, err = applier.Delete(ctx, inv, dopts)
	}
	suffix := ""
	if o.DryRun {
		suffix = " (dry run)"
	}
	res.Changes = apply.ChangesOf(cs, suffix)
	if err != nil {
		res.Error = err.Error()
		return res, fmt.Errorf("source %s: %w", t.name, err)
	}
	if !o.DryRun {
		fmt.Fprintf(o.ErrOut, "%s: %s\n", t.name, apply.Summary(res.Changes))
	}
	return res, nil
}

func displayRevision(r string) string {
	if r == "" {
		return "it"
	}
	return r
}

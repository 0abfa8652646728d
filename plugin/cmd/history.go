package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

// HistoryOptions show the revisions of a source that syncs applied and
// saw healthy, as its inventory records them.
type HistoryOptions struct {
	SourceOptions
	OutputOptions
	// Location is the time zone of APPLIED-TIME. Default nil: local.
	Location *time.Location
}

// SourceHistory is the history of one source, oldest revision first.
type SourceHistory struct {
	Source    string          `json:"source"`
	Inventory apply.Inventory `json:"inventory"`
	// Revision is the revision applied last.
	Revision string               `json:"revision,omitempty"`
	History  []apply.HistoryEntry `json:"history"`
}

// NewCmdHistory builds `kubectl gitops history SOURCE`.
func NewCmdHistory(streams IOStreams) *cobra.Command {
	o := &HistoryOptions{SourceOptions: newSourceOptions(streams)}
	cmd := &cobra.Command{
		Use:   "history [SOURCE]",
		Short: "Show the revisions of a source that syncs applied, oldest first",
		Long: "SOURCE is given as for sync: a file or directory of Applications with `type: kustomize` components, or\n" +
			"--repo with --path or --name. Lists SOURCE REVISION APPLIED-TIME for each revision that became healthy,\n" +
			fmt.Sprintf("oldest first and the one applied now last, as helm history does; the last %d are kept.\n", apply.HistoryLimit) +
			"Nothing is fetched: the source's inventory in the cluster records them. Rolling back is a Git revert.",
		Example: "  kubectl gitops history clusters/apps.yaml\n" +
			"  kubectl gitops history --repo https://git.example.com/config.git --path ./apps -o yaml",
		RunE: runE(o),
	}
	o.SourceOptions.addFlags(cmd.Flags())
	o.OutputOptions.addFlags(cmd.Flags())
	return cmd
}

// Complete fills the options from arguments and the kubeconfig.
func (o *HistoryOptions) Complete(args []string) error { return o.complete(args) }

// Validate checks the options.
func (o *HistoryOptions) Validate() error {
	if err := o.OutputOptions.validate(); err != nil {
		return err
	}
	return o.SourceOptions.validate()
}

// Run reads each source's inventory and prints its history; a source
// without one is an error after the others are printed.
func (o *HistoryOptions) Run(ctx context.Context) error {
	srcs, err := o.sources()
	if err != nil {
		return err
	}
	applier, err := apply.NewApplier(o.restConfig, Version)
	if err != nil {
		return err
	}
	// The nested sources too, found from the inventories that name their
	// parent, in the order sync goes.
	targets, errs := sourceTree(ctx, applier, srcs, o.ErrOut, func(s source.Declaration, _ apply.Inventory, err error) error {
		return fmt.Errorf("%s: %w; sync it first (kubectl gitops sync)", s, err)
	})
	results := []SourceHistory{}
	for _, t := range targets {
		h := SourceHistory{Source: t.name, Inventory: t.rec.Inventory, Revision: t.rec.Revision, History: t.rec.History}
		if h.History == nil {
			h.History = []apply.HistoryEntry{}
		}
		results = append(results, h)
	}
	if o.machine() {
		if err := o.print(o.Out, results); err != nil {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	}
	loc := o.Location
	if loc == nil {
		loc = time.Local
	}
	for _, h := range results {
		if len(h.History) == 0 {
			fmt.Fprintf(o.ErrOut, "%s: no revision became healthy yet\n", h.Source)
		}
	}
	if err := printHistory(o.Out, results, loc); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// printHistory writes the SOURCE REVISION APPLIED-TIME table; nothing when
// there is no revision.
func printHistory(out io.Writer, results []SourceHistory, loc *time.Location) error {
	n := 0
	for _, h := range results {
		n += len(h.History)
	}
	if n == 0 {
		return nil
	}
	tw := newTable(out, "SOURCE", "REVISION", "APPLIED-TIME")
	for _, h := range results {
		for _, e := range h.History {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", oneLine(h.Source), oneLine(e.Revision), timeText(e.Time, loc))
		}
	}
	return tw.Flush()
}

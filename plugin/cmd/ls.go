package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/status"
)

// TimeFormat is how `ls` and `history` print times, as `vela ls` does
// (Go's time.Time.String without fractions), in the local time zone.
const TimeFormat = "2006-01-02 15:04:05 -0700 MST"

// LsOptions lists the Applications and sources synced into a cluster,
// with the health their last sync recorded.
type LsOptions struct {
	IOStreams
	OutputOptions
	ConfigFlags *genericclioptions.ConfigFlags
	// AllNamespaces lists every namespace, with a NAMESPACE column.
	AllNamespaces bool
	// Location is the time zone of CREATED-TIME. Default nil: local.
	Location *time.Location

	// Filled by Complete.
	namespace  string
	restConfig *rest.Config
}

// NewCmdLs builds `kubectl gitops ls`, also called `status`.
func NewCmdLs(streams IOStreams) *cobra.Command {
	o := &LsOptions{IOStreams: streams, ConfigFlags: genericclioptions.NewConfigFlags(true)}
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"status"},
		Short:   "List the Applications and sources synced into the cluster, as vela ls does",
		Long: "Lists one row per source and per OAM component that syncs applied, grouped by Application, with the\n" +
			"health the last sync of each source recorded: APP COMPONENT TYPE TRAITS PHASE HEALTHY STATUS CREATED-TIME.\n" +
			"A source's STATUS is the last revision that became healthy. Without -A, the namespace is -n or the\n" +
			"kubeconfig's. -o yaml|json prints one entry per row, with the Application on each.",
		Example: "  kubectl gitops ls\n  kubectl gitops ls -A\n  kubectl gitops status -n prod -o json",
		RunE:    runE(o),
	}
	o.ConfigFlags.AddFlags(cmd.Flags())
	o.OutputOptions.addFlags(cmd.Flags())
	cmd.Flags().BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "list the Applications of every namespace")
	return cmd
}

// Complete reads the kubeconfig.
func (o *LsOptions) Complete(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("ls takes no arguments, got %q; use -n NAMESPACE or -A", args)
	}
	ns, _, err := o.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	o.namespace = ns
	if o.restConfig, err = o.ConfigFlags.ToRESTConfig(); err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	return nil
}

// Validate checks the options.
func (o *LsOptions) Validate() error { return o.OutputOptions.validate() }

// Run lists.
func (o *LsOptions) Run(ctx context.Context) error {
	applier, err := apply.NewApplier(o.restConfig, Version)
	if err != nil {
		return err
	}
	rows, err := o.rows(ctx, applier)
	if err != nil {
		return err
	}
	if o.machine() {
		return o.print(o.Out, rows)
	}
	if len(rows) == 0 {
		if o.AllNamespaces {
			fmt.Fprintln(o.ErrOut, "No applications found: nothing was synced into this cluster.")
		} else {
			fmt.Fprintf(o.ErrOut, "No applications found in namespace %s.\n", o.namespace)
		}
		return nil
	}
	loc := o.Location
	if loc == nil {
		loc = time.Local
	}
	return printApps(o.Out, rows, o.AllNamespaces, loc)
}

// rows reads the inventories. Without -A, an Application of the namespace
// may be recorded by a source of another namespace, so every namespace is
// read when the user may; the rows are then those of the namespace.
func (o *LsOptions) rows(ctx context.Context, applier *apply.Applier) ([]status.Row, error) {
	var records []apply.InventoryRecord
	var err error
	if o.AllNamespaces {
		if records, err = applier.ListInventories(ctx, ""); apierrors.IsForbidden(err) {
			err = fmt.Errorf("%w; list one namespace with -n NAMESPACE instead", err)
		}
	} else {
		records, _, err = applier.ListNestable(ctx, []string{o.namespace})
	}
	if err != nil {
		return nil, err
	}
	rows := status.Rows(records)
	if !o.AllNamespaces {
		rows = status.InNamespace(rows, o.namespace)
	}
	return rows, nil
}

// printApps writes the `vela ls` table: the first row of an Application
// names it, the others are tree marks.
func printApps(out io.Writer, rows []status.Row, allNamespaces bool, loc *time.Location) error {
	header := []string{"APP", "COMPONENT", "TYPE", "TRAITS", "PHASE", "HEALTHY", "STATUS", "CREATED-TIME"}
	if allNamespaces {
		header = append([]string{"NAMESPACE"}, header...)
	}
	tw := newTable(out, header...)
	sameApp := func(i, j int) bool {
		return j >= 0 && j < len(rows) && rows[i].Namespace == rows[j].Namespace && rows[i].App == rows[j].App
	}
	for i, r := range rows {
		app := r.App
		switch {
		case sameApp(i, i-1) && sameApp(i, i+1):
			app = "├─"
		case sameApp(i, i-1):
			app = "└─"
		}
		cells := []string{app, r.Component, r.Type, strings.Join(r.Traits, ","), r.Phase, healthText(r.Healthy),
			r.Status, timeText(r.Created, loc)}
		if allNamespaces {
			cells = append([]string{r.Namespace}, cells...)
		}
		for k, c := range cells {
			cells[k] = oneLine(c)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

func healthText(healthy bool) string {
	if healthy {
		return "healthy"
	}
	return "unhealthy"
}

// timeText is t in loc as `vela ls` prints it; empty for no time.
func timeText(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(TimeFormat)
}

// oneLine keeps a cell on one line and free of tabs.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\t\n\r") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

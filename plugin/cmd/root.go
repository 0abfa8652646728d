package cmd

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// IOStreams are where a command reads and writes.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// NewRoot builds the kubectl-gitops command tree.
func NewRoot(streams IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "kubectl-gitops",
		Short: "KubeVela-style application delivery from Git, with no control plane to install",
		Long: "kubectl gitops renders OAM Applications kept in a Git config repo into Kubernetes objects\n" +
			"and keeps a cluster in step with them.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl gitops"},
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.AddCommand(NewCmdVersion(streams), NewCmdBuild(streams), NewCmdImage(streams), NewCmdSync(streams), NewCmdDiff(streams), NewCmdLs(streams), NewCmdHistory(streams))
	root.AddCommand(NewCmdWatch(streams), NewCmdDelete(streams))
	root.AddCommand(NewCmdInstall(streams), NewCmdAgent(streams), NewCmdCluster(streams))
	return root
}

// options is the shape of every command's Options: Complete reads the
// arguments, Validate checks them, Run does the work.
type options interface {
	Complete(args []string) error
	Validate() error
	Run(ctx context.Context) error
}

// runE runs Complete, Validate and Run in turn, as cobra's RunE.
// runUntilSignal is runE for the commands that run until stopped (watch,
// agent): SIGTERM or Ctrl-C cancels the context Run works in.
func runUntilSignal(o options) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		cmd.SetContext(ctx)
		return runE(o)(cmd, args)
	}
}

func runE(o options) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := o.Complete(args); err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		return o.Run(ctx)
	}
}

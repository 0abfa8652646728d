package cmd

import (
	"io"

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
	root.AddCommand(NewCmdVersion(streams), NewCmdBuild(streams), NewCmdImage(streams))
	return root
}

// Command kubectl-gitops is the kubectl plugin: `kubectl gitops …`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/oamgitops/kubectl-gitops/plugin/cmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	root := cmd.NewRoot(cmd.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr})
	err := root.ExecuteContext(ctx)
	stop()
	if err != nil {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(os.Stderr, "error:", msg)
		}
		os.Exit(cmd.ExitCode(err))
	}
}

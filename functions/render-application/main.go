// Command render-application is a KRM function that expands OAM
// Applications into Kubernetes objects. See README.md.
package main

import (
	"os"

	"github.com/oamgitops/kubectl-gitops/catalog"
	"github.com/oamgitops/kubectl-gitops/functions/internal/fnrun"
	"github.com/oamgitops/kubectl-gitops/krm/render"
	"github.com/oamgitops/kubectl-gitops/remote/charts"
)

func main() {
	builtins, err := catalog.Registry()
	if err != nil {
		fnrun.Fail(os.Stderr, err)
	}
	// Charts of helm components come from the chart cache (spec.charts).
	fn := charts.Function{Render: render.Function{Builtins: builtins, LoadDir: catalog.LoadDir}}
	os.Exit(fnrun.Main(fn, render.ConfigKind, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

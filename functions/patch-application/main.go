// Command patch-application is a KRM function that patches the components
// and traits of OAM Applications with override-policy semantics. See
// README.md.
package main

import (
	"os"

	"github.com/oamgitops/kubectl-gitops/functions/internal/fnrun"
	"github.com/oamgitops/kubectl-gitops/krm/apppatch"
)

func main() {
	os.Exit(fnrun.Main(apppatch.Function{}, apppatch.ConfigKind, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

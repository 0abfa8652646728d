// Command set-image is a KRM function that sets the fields marked with
// Flux $imagepolicy comments. See README.md.
package main

import (
	"os"

	"github.com/oamgitops/kubectl-gitops/functions/internal/fnrun"
	"github.com/oamgitops/kubectl-gitops/krm/setters"
)

func main() {
	os.Exit(fnrun.Main(setters.Function{}, setters.ConfigKind, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

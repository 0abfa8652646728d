// Command docgen writes catalog/README.md, the reference of the built-in
// definitions, from the embedded CUE files:
//
//	go run ./catalog/docgen > catalog/README.md   # make catalog-docs
//
// Parameters are read from each compiled template's `parameter` value:
// field names (a.b for nested fields, a[].b for list items), types,
// defaults, whether they are required, and their `// +usage=` comments.
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/oamgitops/kubectl-gitops/catalog"
)

func main() {
	defs, err := catalog.Builtins()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	var buf bytes.Buffer
	if err := writeDocs(&buf, defs); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	if _, err := os.Stdout.Write(buf.Bytes()); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

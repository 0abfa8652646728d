// Command probe is the binary the testbin tests build and run: it prints
// its working directory's base name, its arguments and its standard input
// to standard output, $PROBE to standard error, and exits with the status
// in $PROBE_EXIT.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	wd, _ := os.Getwd()
	in, _ := io.ReadAll(os.Stdin)
	fmt.Printf("%s %s %s", filepath.Base(wd), strings.Join(os.Args[1:], " "), in)
	fmt.Fprint(os.Stderr, os.Getenv("PROBE"))
	code, _ := strconv.Atoi(os.Getenv("PROBE_EXIT"))
	os.Exit(code)
}

// Package fnrun runs a KRM function the two ways users call it: with a
// ResourceList on stdin (kustomize, kpt), or standalone on files
// (`fn [CONFIG.yaml] FILE...`) printing a multi-document stream.
package fnrun

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Fail prints an error and exits 1; for set-up failures in main.
func Fail(stderr io.Writer, err error) {
	fmt.Fprintln(stderr, "error:", err)
	os.Exit(1)
}

// Main runs p and returns the exit code.
func Main(p framework.ResourceListProcessor, configKind string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// A function is a short-lived batch job that allocates heavily while
	// evaluating templates: collecting garbage half as often saves about a
	// tenth of the run for a third more memory (see BENCHMARKS.md). GOGC
	// still wins when set.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintf(stdout, "usage:\n  with a ResourceList on stdin (kustomize, kpt): no arguments\n"+
			"  standalone: [CONFIG.yaml] FILE... ('-' reads stdin); CONFIG.yaml is used as the\n"+
			"  function config when its kind is %s\n", configKind)
		return 0
	}
	if len(args) == 0 {
		return resourceList(p, stdin, stdout, stderr)
	}
	return standalone(p, configKind, args, stdin, stdout, stderr)
}

func resourceList(p framework.ResourceListProcessor, stdin io.Reader, stdout, stderr io.Writer) int {
	rw := &kio.ByteReadWriter{Reader: stdin, Writer: stdout, KeepReaderAnnotations: true}
	if err := framework.Execute(p, rw); err != nil {
		report(stderr, err)
		return 1
	}
	return 0
}

func standalone(p framework.ResourceListProcessor, configKind string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	rl := &framework.ResourceList{}
	for i, name := range args {
		nodes, err := readFile(name, stdin)
		if err != nil {
			fmt.Fprintln(stderr, "error:", err)
			return 1
		}
		if i == 0 && len(nodes) == 1 && nodes[0].GetKind() == configKind {
			rl.FunctionConfig = nodes[0]
			continue
		}
		rl.Items = append(rl.Items, nodes...)
	}
	err := p.Process(rl)
	var results framework.Results
	if errors.As(err, &results) || err == nil {
		for _, r := range rl.Results {
			fmt.Fprintln(stderr, line(r))
		}
		if rl.Results.ExitCode() != 0 {
			return 1
		}
	} else {
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
	out, err := encode(rl.Items)
	if err != nil {
		fmt.Fprintln(stderr, "error: writing output:", err)
		return 1
	}
	buf := bytes.NewBuffer(out)
	_, _ = stdout.Write(buf.Bytes())
	return 0
}

// cleared are the annotations kustomize and kpt use to track items; they
// mean nothing in a standalone stream.
var cleared = []string{
	kioutil.PathAnnotation, kioutil.IndexAnnotation, kioutil.LegacyPathAnnotation, kioutil.LegacyIndexAnnotation,
	kioutil.IdAnnotation, kioutil.LegacyIdAnnotation,
}

// encode writes items as a multi-document stream. Documents are encoded on
// all cores (YAML encoding is a good part of a large render) and joined in
// order, giving the same bytes as one kio.ByteWriter would.
func encode(items []*yaml.RNode) ([]byte, error) {
	docs := make([][]byte, len(items))
	errs := make([]error, len(items))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(items)/64))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(items); i += workers {
				var b bytes.Buffer
				errs[i] = kio.ByteWriter{Writer: &b, ClearAnnotations: cleared}.Write(items[i : i+1])
				docs[i] = b.Bytes()
			}
		}()
	}
	wg.Wait()
	var out bytes.Buffer
	for i, d := range docs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if i > 0 {
			out.WriteString("---\n")
		}
		out.Write(d)
	}
	return out.Bytes(), nil
}

func readFile(name string, stdin io.Reader) ([]*yaml.RNode, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return oam.ReadStream(name, data, map[string]string{kioutil.PathAnnotation: name})
}

func report(stderr io.Writer, err error) {
	var results framework.Results
	if errors.As(err, &results) {
		for _, r := range results {
			fmt.Fprintln(stderr, line(r))
		}
		return
	}
	fmt.Fprintln(stderr, "error:", err)
}

// line prints a result as "severity: message".
func line(r *framework.Result) string {
	sev := string(r.Severity)
	if sev == "" {
		sev = "info"
	}
	return sev + ": " + strings.TrimSpace(r.Message)
}

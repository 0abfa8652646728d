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
	"strings"

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
	var buf bytes.Buffer
	w := kio.ByteWriter{Writer: &buf, ClearAnnotations: []string{
		kioutil.PathAnnotation, kioutil.IndexAnnotation, kioutil.LegacyPathAnnotation, kioutil.LegacyIndexAnnotation,
		kioutil.IdAnnotation, kioutil.LegacyIdAnnotation,
	}}
	if err := w.Write(rl.Items); err != nil {
		fmt.Fprintln(stderr, "error: writing output:", err)
		return 1
	}
	_, _ = stdout.Write(buf.Bytes())
	return 0
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
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(data), SetAnnotations: map[string]string{kioutil.PathAnnotation: name}}).Read()
	if err != nil {
		return nil, fmt.Errorf("%s: not a YAML stream of objects: %w", name, err)
	}
	return nodes, nil
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

package main

// These tests run the built binary the way users do: standalone on files
// and through `kpt fn eval --exec`, twice (the second run must change
// nothing). Each compares with examples/<case>/.expected/; `go test
// -update` rewrites them.

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/internal/testbin"
)

var update = flag.Bool("update", false, "rewrite the examples' .expected files")

var binDir string

// execPath is how the examples name the binary: relative to an example
// directory, as if the repository's bin/ held it.
const execPath = "../../../../bin/set-image"

func TestMain(m *testing.M) {
	os.Exit(testbin.Main(m, &binDir, testbin.Bin{Name: "set-image", Pkg: "."}))
}

func TestIntegrationStandalone(t *testing.T) {
	src := filepath.Join("examples", "standalone")
	// A copy laid out like the repository, so execPath reaches the binary.
	dir := testbin.CopyExample(t, binDir, src)
	res := testbin.Succeed(t, testbin.In(dir), execPath, "set-image.yaml", "deployment.yaml", "app.yaml")
	testbin.Golden(t, filepath.Join(src, ".expected", "stdout.yaml"), res.Stdout, *update)
	testbin.Golden(t, filepath.Join(src, ".expected", "stderr.txt"), res.Stderr, *update)
}

func TestIntegrationKptEval(t *testing.T) {
	src := filepath.Join("examples", "kpt-eval-imagepolicy")
	k := testbin.Kpt(t)
	dir := testbin.CopyExample(t, binDir, src)
	read := func() map[string]string {
		out := map[string]string{}
		for _, f := range []string{"values.yaml", "kustomization.yaml", "imagepolicy.yaml"} {
			data, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			out[f] = string(data)
		}
		return out
	}
	testbin.Succeed(t, testbin.In(dir), k, "fn", "eval", ".", "--exec", execPath)
	first := read()
	for f, content := range first {
		testbin.Golden(t, filepath.Join(src, ".expected", "in-place", f), content, *update)
	}
	testbin.Succeed(t, testbin.In(dir), k, "fn", "eval", ".", "--exec", execPath)
	if diff := cmp.Diff(first, read()); diff != "" {
		t.Errorf("second run changed files (-first +second):\n%s", diff)
	}
}

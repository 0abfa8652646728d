package main

// These tests run the built binary the way users do: standalone on files
// and through `kpt fn eval --exec`, twice (the second run must change
// nothing). Each compares with examples/<case>/.expected/; `go test
// -update` rewrites them.

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the examples' .expected files")

var binDir string

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "set-image-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir = filepath.Join(dir, "bin")
	build := exec.Command("go", "build", "-o", filepath.Join(binDir, "set-image"), ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building set-image:", err)
		return 1
	}
	return m.Run()
}

// example copies examples/<name> (without .expected) into a tree laid out
// like the repository, so ../../../../bin/set-image reaches the test binary.
func example(t *testing.T, name string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Symlink(binDir, filepath.Join(root, "bin")); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(root, "functions", "set-image", "examples", name)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	files, err := os.ReadDir(filepath.Join("examples", name))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join("examples", name, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, f.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func run(t *testing.T, dir, name string, args ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	return stdout.String(), stderr.String()
}

func golden(t *testing.T, name, file, got string) {
	t.Helper()
	path := filepath.Join("examples", name, ".expected", file)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func TestIntegrationStandalone(t *testing.T) {
	const name = "standalone"
	dir := example(t, name)
	out, errOut := run(t, dir, "../../../../bin/set-image", "set-image.yaml", "deployment.yaml", "app.yaml")
	golden(t, name, "stdout.yaml", out)
	golden(t, name, "stderr.txt", errOut)
}

func TestIntegrationKptEval(t *testing.T) {
	const name = "kpt-eval-imagepolicy"
	k, err := exec.LookPath("kpt")
	if err != nil {
		t.Fatal("kpt not found on PATH: install kpt 1.0.0-beta.56 or later")
	}
	dir := example(t, name)
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
	run(t, dir, k, "fn", "eval", ".", "--exec", "../../../../bin/set-image")
	first := read()
	for f, content := range first {
		golden(t, name, filepath.Join("in-place", f), content)
	}
	run(t, dir, k, "fn", "eval", ".", "--exec", "../../../../bin/set-image")
	if diff := cmp.Diff(first, read()); diff != "" {
		t.Errorf("second run changed files (-first +second):\n%s", diff)
	}
}

package main

// These tests run the built binary the way users do: through kustomize,
// `kpt fn eval`, a Kptfile pipeline (`kpt fn render`) and standalone. Each
// runs an example under examples/ and compares with its .expected/ files;
// `go test -run Integration -update` rewrites them.

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the examples' .expected files")

// binDir holds the binary built for these tests.
var binDir string

// execPath is how the examples name the binary: relative to an example
// directory, as if the repository's bin/ held it.
const execPath = "../../../../bin/render-application"

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "render-application-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir = filepath.Join(dir, "bin")
	build := exec.Command("go", "build", "-o", filepath.Join(binDir, "render-application"), ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building render-application:", err)
		return 1
	}
	return m.Run()
}

// example copies examples/<name> (without .expected) into a fresh tree laid
// out like the repository, so the examples' relative exec paths reach the
// test binary, and returns the copy's directory.
func example(t *testing.T, name string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Symlink(binDir, filepath.Join(root, "bin")); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(root, "functions", "render-application", "examples", name)
	src := filepath.Join("examples", name)
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() && d.Name() == ".expected" {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// result is one run of a command.
type result struct {
	stdout, stderr string
	exitCode       int
}

func run(t *testing.T, dir string, stdin string, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := result{stdout: stdout.String(), stderr: stderr.String()}
	if exitErr, ok := err.(*exec.ExitError); ok {
		res.exitCode = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", name, err)
	}
	return res
}

// succeed runs a command that must exit 0 and returns its stdout.
func succeed(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	res := run(t, dir, "", name, args...)
	if res.exitCode != 0 {
		t.Fatalf("%s %s: exit %d\n%s", name, strings.Join(args, " "), res.exitCode, res.stderr)
	}
	return res.stdout
}

// golden compares got with examples/<name>/.expected/<file>.
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

// goldenDir compares every file of dir but the README with
// .expected/<sub>/.
func goldenDir(t *testing.T, name, sub, dir string) {
	t.Helper()
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.IsDir() || f.Name() == "README.md" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		golden(t, name, filepath.Join(sub, f.Name()), string(data))
	}
}

func kustomize(t *testing.T) string {
	t.Helper()
	if k := os.Getenv("KUSTOMIZE"); k != "" {
		return k
	}
	if k, err := exec.LookPath("kustomize"); err == nil {
		return k
	}
	t.Fatal("kustomize not found: run `make tools` (it installs kustomize into the user cache dir; " +
		"`make test` passes it as $KUSTOMIZE), or put kustomize on PATH")
	return ""
}

func kpt(t *testing.T) string {
	t.Helper()
	k, err := exec.LookPath("kpt")
	if err != nil {
		t.Fatal("kpt not found on PATH: install kpt 1.0.0-beta.56 or later")
	}
	return k
}

func TestIntegrationKustomize(t *testing.T) {
	const name = "kustomize-seed-my-app"
	k := kustomize(t)
	dir := example(t, name)
	// Run from elsewhere: the exec path is relative to the kustomization.
	first := succeed(t, t.TempDir(), k, "build", "--enable-alpha-plugins", "--enable-exec", dir)
	golden(t, name, "output.yaml", first)
	second := succeed(t, dir, k, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("second build differs (-first +second):\n%s", diff)
	}
}

func TestIntegrationKptEval(t *testing.T) {
	const name = "kpt-eval"
	k := kpt(t)
	dir := example(t, name)
	source := readAll(t, dir)
	// -o stdout prints a ResourceList and leaves the files alone.
	for i := 0; i < 2; i++ {
		golden(t, name, "stdout.yaml", succeed(t, dir, k, "fn", "eval", ".", "--exec", execPath, "-o", "stdout"))
		if diff := cmp.Diff(source, readAll(t, dir)); diff != "" {
			t.Fatalf("kpt fn eval -o stdout changed the files (-before +after):\n%s", diff)
		}
	}
	// In place: the Application's file gets the rendered objects. A second
	// run finds no Application and changes nothing.
	for i := 0; i < 2; i++ {
		succeed(t, dir, k, "fn", "eval", ".", "--exec", execPath)
		goldenDir(t, name, "in-place", dir)
	}
}

func TestIntegrationKptRender(t *testing.T) {
	const name = "kpt-render-pipeline"
	k := kpt(t)
	dir := example(t, name)
	source := readAll(t, dir)
	// kpt resolves the Kptfile's exec path against its working directory,
	// so these run from the package directory.
	for i := 0; i < 2; i++ {
		golden(t, name, "unwrap.yaml", succeed(t, dir, k, "fn", "render", "--allow-exec", "-o", "unwrap"))
		if diff := cmp.Diff(source, readAll(t, dir)); diff != "" {
			t.Fatalf("kpt fn render -o unwrap changed the files (-before +after):\n%s", diff)
		}
	}
	for i := 0; i < 2; i++ {
		succeed(t, dir, k, "fn", "render", "--allow-exec")
		goldenDir(t, name, "in-place", dir)
	}
}

func TestIntegrationStandalone(t *testing.T) {
	const name = "kustomize-seed-my-app"
	dir := example(t, name)
	bin := filepath.Join(binDir, "render-application")
	got := succeed(t, dir, bin, "render.yaml", "apps/my-app.yaml")
	golden(t, name, "standalone.yaml", got)
	// Without a config, and reading the Application from stdin.
	app, err := os.ReadFile(filepath.Join(dir, "apps", "my-app.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, dir, string(app), bin, "-")
	if res.exitCode != 0 {
		t.Fatalf("render-application -: exit %d\n%s", res.exitCode, res.stderr)
	}
	if diff := cmp.Diff(got, res.stdout); diff != "" {
		t.Errorf("stdin render differs (-file +stdin):\n%s", diff)
	}
	// With a ResourceList on stdin, as kustomize and kpt call it.
	rl := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- " +
		strings.ReplaceAll(strings.TrimSpace(stripComments(string(app))), "\n", "\n  ") + "\n"
	res = run(t, dir, rl, bin)
	if res.exitCode != 0 || !strings.Contains(res.stdout, "kind: ResourceList") || !strings.Contains(res.stdout, "kind: Ingress") {
		t.Errorf("ResourceList mode: exit %d\nstdout:\n%s\nstderr:\n%s", res.exitCode, res.stdout, res.stderr)
	}
}

func TestIntegrationErrors(t *testing.T) {
	const name = "error-bad-application"
	dir := example(t, name)
	bin := filepath.Join(binDir, "render-application")
	patterns := readPatterns(t, filepath.Join("examples", name, ".expected", "errors.txt"))
	check := func(how string, res result) {
		t.Helper()
		if res.exitCode == 0 {
			t.Errorf("%s: exit 0, want non-zero", how)
		}
		if strings.Contains(res.stdout, "kind:") {
			t.Errorf("%s: stdout has objects after a failed render:\n%s", how, res.stdout)
		}
		for _, re := range patterns {
			if !re.MatchString(res.stderr) {
				t.Errorf("%s: stderr does not match %q:\n%s", how, re, res.stderr)
			}
		}
	}
	check("standalone", run(t, dir, "", bin, "render.yaml", "apps/passthrough.yaml", "apps/my-app.yaml"))
	check("kustomize", run(t, dir, "", kustomize(t), "build", "--enable-alpha-plugins", "--enable-exec", "."))
	before := readAll(t, dir)
	res := run(t, dir, "", kpt(t), "fn", "eval", ".", "--exec", execPath)
	check("kpt fn eval", result{stderr: res.stderr, exitCode: res.exitCode})
	if diff := cmp.Diff(before, readAll(t, dir)); diff != "" {
		t.Errorf("a failed kpt fn eval changed the files (-before +after):\n%s", diff)
	}
}

// readAll reads every file under dir, by relative path.
func readAll(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func readPatterns(t *testing.T, path string) []*regexp.Regexp {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []*regexp.Regexp
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, regexp.MustCompile(line))
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no patterns", path)
	}
	return out
}

func stripComments(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

package main

// These tests run the built binary the way users do: through kustomize,
// `kpt fn eval`, a Kptfile pipeline (`kpt fn render`) and standalone. Each
// runs an example under examples/ and compares with its .expected/ files;
// `go test -run Integration -update` rewrites them.

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/internal/testbin"
	"github.com/oamgitops/kubectl-gitops/test/helmrepo"
)

var update = flag.Bool("update", false, "rewrite the examples' .expected files")

// binDir holds the binary built for these tests.
var binDir string

// execPath is how the examples name the binary: relative to an example
// directory, as if the repository's bin/ held it.
const execPath = "../../../../bin/render-application"

func TestMain(m *testing.M) {
	os.Exit(testbin.Main(m, &binDir, testbin.Bin{Name: "render-application", Pkg: "."}))
}

// example copies examples/<name> (without .expected) into a fresh tree laid
// out like the repository, so the examples' relative exec paths reach the
// test binary, and returns the copy's directory.
func example(t *testing.T, name string) string {
	t.Helper()
	return testbin.CopyExample(t, binDir, filepath.Join("examples", name))
}

// golden compares got with examples/<name>/.expected/<file>.
func golden(t *testing.T, name, file, got string) {
	t.Helper()
	testbin.Golden(t, filepath.Join("examples", name, ".expected", file), got, *update)
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
		// The Kptfile is the package's own (a Kptfile under .expected/
		// would make it a subpackage kpt renders too), .krmignore keeps
		// kpt out of .expected/.
		if f.IsDir() || f.Name() == "README.md" || f.Name() == "Kptfile" || f.Name() == ".krmignore" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		golden(t, name, filepath.Join(sub, f.Name()), string(data))
	}
}

func TestIntegrationKustomize(t *testing.T) {
	const name = "kustomize-seed-my-app"
	k := testbin.Kustomize(t)
	dir := example(t, name)
	// Run from elsewhere: the exec path is relative to the kustomization.
	first := testbin.Succeed(t, testbin.In(t.TempDir()), k, "build", "--enable-alpha-plugins", "--enable-exec", dir).Stdout
	golden(t, name, "output.yaml", first)
	second := testbin.Succeed(t, testbin.In(dir), k, "build", "--enable-alpha-plugins", "--enable-exec", ".").Stdout
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("second build differs (-first +second):\n%s", diff)
	}
}

func TestIntegrationKptEval(t *testing.T) {
	const name = "kpt-eval"
	k := testbin.Kpt(t)
	dir := example(t, name)
	source := testbin.ReadTree(t, dir)
	// -o stdout prints a ResourceList and leaves the files alone.
	for i := 0; i < 2; i++ {
		golden(t, name, "stdout.yaml", testbin.Succeed(t, testbin.In(dir), k, "fn", "eval", ".", "--exec", execPath, "-o", "stdout").Stdout)
		if diff := cmp.Diff(source, testbin.ReadTree(t, dir)); diff != "" {
			t.Fatalf("kpt fn eval -o stdout changed the files (-before +after):\n%s", diff)
		}
	}
	// In place: the Application's file gets the rendered objects. A second
	// run finds no Application and changes nothing.
	for i := 0; i < 2; i++ {
		testbin.Succeed(t, testbin.In(dir), k, "fn", "eval", ".", "--exec", execPath)
		goldenDir(t, name, "in-place", dir)
	}
}

func TestIntegrationKptRender(t *testing.T) {
	const name = "kpt-render-pipeline"
	k := testbin.Kpt(t)
	dir := example(t, name)
	source := testbin.ReadTree(t, dir)
	// kpt resolves the Kptfile's exec path against its working directory,
	// so these run from the package directory.
	for i := 0; i < 2; i++ {
		golden(t, name, "unwrap.yaml", testbin.Succeed(t, testbin.In(dir), k, "fn", "render", "--allow-exec", "-o", "unwrap").Stdout)
		if diff := cmp.Diff(source, testbin.ReadTree(t, dir)); diff != "" {
			t.Fatalf("kpt fn render -o unwrap changed the files (-before +after):\n%s", diff)
		}
	}
	for i := 0; i < 2; i++ {
		testbin.Succeed(t, testbin.In(dir), k, "fn", "render", "--allow-exec")
		goldenDir(t, name, "in-place", dir)
	}
}

func TestIntegrationStandalone(t *testing.T) {
	const name = "kustomize-seed-my-app"
	dir := example(t, name)
	bin := filepath.Join(binDir, "render-application")
	got := testbin.Succeed(t, testbin.In(dir), bin, "render.yaml", "apps/my-app.yaml").Stdout
	golden(t, name, "standalone.yaml", got)
	// Without a config, and reading the Application from stdin.
	app, err := os.ReadFile(filepath.Join(dir, "apps", "my-app.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	res := testbin.Succeed(t, testbin.Options{Dir: dir, Stdin: string(app)}, bin, "-")
	if diff := cmp.Diff(got, res.Stdout); diff != "" {
		t.Errorf("stdin render differs (-file +stdin):\n%s", diff)
	}
	// With a ResourceList on stdin, as kustomize and kpt call it.
	rl := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- " +
		strings.ReplaceAll(strings.TrimSpace(stripComments(string(app))), "\n", "\n  ") + "\n"
	res = testbin.Run(t, testbin.Options{Dir: dir, Stdin: rl}, bin)
	if res.Code != 0 || !strings.Contains(res.Stdout, "kind: ResourceList") || !strings.Contains(res.Stdout, "kind: Ingress") {
		t.Errorf("ResourceList mode: exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
}

func TestIntegrationErrors(t *testing.T) {
	const name = "error-bad-application"
	dir := example(t, name)
	bin := filepath.Join(binDir, "render-application")
	patterns := readPatterns(t, filepath.Join("examples", name, ".expected", "errors.txt"))
	check := func(how string, res testbin.Result) {
		t.Helper()
		if res.Code == 0 {
			t.Errorf("%s: exit 0, want non-zero", how)
		}
		if strings.Contains(res.Stdout, "kind:") {
			t.Errorf("%s: stdout has objects after a failed render:\n%s", how, res.Stdout)
		}
		for _, re := range patterns {
			if !re.MatchString(res.Stderr) {
				t.Errorf("%s: stderr does not match %q:\n%s", how, re, res.Stderr)
			}
		}
	}
	check("standalone", testbin.Run(t, testbin.In(dir), bin, "render.yaml", "apps/passthrough.yaml", "apps/my-app.yaml"))
	check("kustomize", testbin.Run(t, testbin.In(dir), testbin.Kustomize(t), "build", "--enable-alpha-plugins", "--enable-exec", "."))
	before := testbin.ReadTree(t, dir)
	res := testbin.Run(t, testbin.In(dir), testbin.Kpt(t), "fn", "eval", ".", "--exec", execPath)
	check("kpt fn eval", testbin.Result{Stderr: res.Stderr, Code: res.Code})
	if diff := cmp.Diff(before, testbin.ReadTree(t, dir)); diff != "" {
		t.Errorf("a failed kpt fn eval changed the files (-before +after):\n%s", diff)
	}
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

// A helm component through kustomize: the first build downloads the chart
// into spec.charts.cacheDir, the second reads it with the network off and
// the repository gone; standalone reads the same cache.
func TestIntegrationHelmChart(t *testing.T) {
	const name = "kustomize-helm-chart"
	k := testbin.Kustomize(t)
	charts := helmrepo.Start(t, helmrepo.Options{Charts: []string{"../../testdata/charts/mysql-operator"}})
	dir := example(t, name)
	app := filepath.Join(dir, "apps", "mysql.yaml")
	replaceIn(t, app, "url: http://127.0.0.1:0/charts", "url: "+charts.URL())
	first := testbin.Succeed(t, testbin.In(t.TempDir()), k, "build", "--enable-alpha-plugins", "--enable-exec", dir).Stdout
	golden(t, name, "output.yaml", first)

	charts.Close()
	replaceIn(t, filepath.Join(dir, "render.yaml"), "allowNetwork: true", "allowNetwork: false")
	second := testbin.Succeed(t, testbin.In(dir), k, "build", "--enable-alpha-plugins", "--enable-exec", ".").Stdout
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("offline build differs (-first +second):\n%s", diff)
	}
	bin := filepath.Join(binDir, "render-application")
	standalone := testbin.Succeed(t, testbin.In(dir), bin, "render.yaml", "apps/mysql.yaml").Stdout
	if !strings.Contains(standalone, "name: mysql-operator\n") || !strings.Contains(standalone, "kind: CustomResourceDefinition") {
		t.Errorf("standalone output lacks the chart's objects:\n%s", standalone)
	}

	// A version the cache lacks, offline: an error naming it, no objects.
	replaceIn(t, app, "version: 0.4.x", "version: 0.5.0")
	res := testbin.Run(t, testbin.In(dir), bin, "render.yaml", "apps/mysql.yaml")
	want := `component "mysql-controller": chart mysql-operator version 0.5.0 from ` + charts.URL() + `: no version matches "0.5.0" (versions: 0.4.0)`
	if res.Code == 0 || res.Stdout != "" || !strings.Contains(res.Stderr, want) {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant an error containing %q", res.Code, res.Stdout, res.Stderr, want)
	}
}

func replaceIn(t *testing.T, file, old, new string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s: %q not found", file, old)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

package catalog_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/catalog"
	"github.com/oamgitops/kubectl-gitops/krm/helm"
	"github.com/oamgitops/kubectl-gitops/krm/render"
	"github.com/oamgitops/kubectl-gitops/test/helmrepo"
)

var update = flag.Bool("update", false, "rewrite expected.yaml files from the actual output")

// TestGolden renders testdata/<definition>/<case>/input.yaml and compares
// the objects with expected.yaml, or the error results with the regular
// expressions in errors.txt (one per line). A case may carry config.yaml
// (a RenderApplications function config) and warnings.txt (regular
// expressions the warning results must match, one per line).
func TestGolden(t *testing.T) {
	cases, _ := filepath.Glob("testdata/*/*/input.yaml")
	if len(cases) == 0 {
		t.Fatal("no golden cases found under testdata/")
	}
	builtins, err := catalog.Registry()
	if err != nil {
		t.Fatal(err)
	}
	charts := testCharts(t)
	for _, input := range cases {
		dir := filepath.Dir(input)
		name := strings.TrimPrefix(filepath.ToSlash(dir), "testdata/")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runCase(t, render.Function{Builtins: builtins, LoadDir: catalog.LoadDir, Charts: charts}, dir)
		})
	}
}

// testCharts holds the charts of testdata/charts for the helm cases,
// packaged as `helm package` does: mysql-operator at 0.3.0, 0.4.0 and
// 0.4.1, greeter at 1.2.0.
func testCharts(t *testing.T) helm.Source {
	charts := helm.NewMemory()
	for _, c := range []struct{ dir, version string }{
		{"../testdata/charts/mysql-operator", "0.3.0"},
		{"../testdata/charts/mysql-operator", ""},
		{"../testdata/charts/mysql-operator", "0.4.1"},
		{"../testdata/charts/greeter", ""},
	} {
		if err := charts.AddChart(helmrepo.MustPackage(t, c.dir, c.version)); err != nil {
			t.Fatal(err)
		}
	}
	return charts
}

func runCase(t *testing.T, fn render.Function, dir string) {
	rl := &framework.ResourceList{Items: readItems(t, filepath.Join(dir, "input.yaml"))}
	if cfg := filepath.Join(dir, "config.yaml"); exists(cfg) {
		items := readItems(t, cfg)
		rl.FunctionConfig = items[0]
	}
	err := fn.Process(rl)

	var errs, warns []string
	for _, r := range rl.Results {
		switch r.Severity {
		case framework.Error:
			errs = append(errs, r.Message+fieldSuffix(r))
		case framework.Warning:
			warns = append(warns, r.Message+fieldSuffix(r))
		}
	}
	if want := filepath.Join(dir, "errors.txt"); exists(want) {
		if err == nil || len(errs) == 0 {
			t.Fatalf("expected error results, got none")
		}
		matchAll(t, want, errs)
		return
	}
	if err != nil {
		t.Fatalf("render failed: %v", err)
	}
	if want := filepath.Join(dir, "warnings.txt"); exists(want) {
		matchAll(t, want, warns)
	} else if len(warns) > 0 {
		t.Errorf("unexpected warnings: %q (add warnings.txt)", warns)
	}
	var buf bytes.Buffer
	w := kio.ByteWriter{Writer: &buf, ClearAnnotations: []string{
		kioutil.PathAnnotation, kioutil.IndexAnnotation, kioutil.LegacyPathAnnotation, kioutil.LegacyIndexAnnotation,
	}}
	if err := w.Write(rl.Items); err != nil {
		t.Fatal(err)
	}
	expected := filepath.Join(dir, "expected.yaml")
	if *update {
		if err := os.WriteFile(expected, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(expected)
	if err != nil {
		t.Fatalf("%v (run go test ./catalog -update to create it, then review it)", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("rendered objects differ (-want +got):\n%s", diff)
	}
}

func fieldSuffix(r *framework.Result) string {
	if r.Field == nil {
		return ""
	}
	return " [field " + r.Field.Path + "]"
}

func matchAll(t *testing.T, file string, got []string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		re, err := regexp.Compile(line)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		found := false
		for _, g := range got {
			if re.MatchString(g) {
				found = true
			}
		}
		if !found {
			t.Errorf("no result matches %q; results:\n  %s", line, strings.Join(got, "\n  "))
		}
	}
}

func readItems(t *testing.T, path string) []*yaml.RNode {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	items, err := (&kio.ByteReader{Reader: bytes.NewReader(data), SetAnnotations: map[string]string{kioutil.PathAnnotation: filepath.Base(path)}}).Read()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return items
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestEveryDefinitionHasGoldenCases keeps the catalog and its tests in step.
func TestEveryDefinitionHasGoldenCases(t *testing.T) {
	defs, err := catalog.Builtins()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		cases, _ := filepath.Glob(filepath.Join("testdata", d.Name, "*", "input.yaml"))
		if len(cases) == 0 {
			t.Errorf("%s %q has no golden case under testdata/%s/", d.Kind, d.Name, d.Name)
		}
	}
}

package main_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oamgitops/kubectl-gitops/internal/testbin"
	"github.com/oamgitops/kubectl-gitops/test/helmrepo"
)

var update = flag.Bool("update", false, "rewrite golden files")

// binDir holds the kubectl-gitops binary built once for these tests.
var binDir string

func TestMain(m *testing.M) {
	os.Exit(testbin.Main(m, &binDir, testbin.Bin{Name: "kubectl-gitops", Pkg: "."}))
}

// run runs a command with the built plugin first on PATH, as a user has it.
func run(t *testing.T, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if name == "kubectl-gitops" {
		name = filepath.Join(binDir, name)
	}
	path := "PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH")
	res := testbin.Run(t, testbin.Options{Env: []string{path}}, name, args...)
	return res.Stdout, res.Stderr, res.Code
}

// golden compares got with testdata/<name>.
func golden(t *testing.T, name, got string) {
	t.Helper()
	testbin.Golden(t, filepath.Join("testdata", name), got, *update)
}

func TestVersion(t *testing.T) {
	out, _, code := run(t, "kubectl-gitops", "version")
	if code != 0 || !strings.HasPrefix(out, "kubectl-gitops ") {
		t.Fatalf("version: exit %d, output %q", code, out)
	}
}

// kubectl completes `kubectl gitops …` through kubectl_complete-gitops.
func TestKubectlCompletion(t *testing.T) {
	testbin.Tool(t, "kubectl", "it runs the completion script")
	script, err := os.ReadFile("kubectl_complete-gitops")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(binDir, "kubectl_complete-gitops"), script, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		args []string
		want string
	}{
		"subcommand": {[]string{"__complete", "gitops", "sy"}, "sync\t"},
		"flag":       {[]string{"__complete", "gitops", "sync", "--allow-e"}, "--allow-empty\t"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, errOut, code := run(t, "kubectl", tc.args...)
			if code != 0 || !strings.Contains(out, tc.want) {
				t.Errorf("kubectl %s: exit %d, want %q in:\n%s\n%s", strings.Join(tc.args, " "), code, tc.want, out, errOut)
			}
		})
	}
}

// A kustomization calling another project's function needs --allow-exec.
func TestBuildForeignFunctionNeedsAllowExec(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"kustomization.yaml": "resources: [cm.yaml]\ntransformers: [fn.yaml]\n",
		"cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
		"fn.yaml": "apiVersion: example.com/v1\nkind: Stamp\nmetadata:\n  name: stamp\n  annotations:\n" +
			"    config.kubernetes.io/function: |\n      exec:\n        path: ./stamp.sh\n",
		"stamp.sh": "#!/bin/sh\nexec cat\n",
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	_, errOut, code := run(t, "kubectl-gitops", "build", dir)
	if code != 1 || !strings.Contains(errOut, "fn.yaml: Stamp stamp: runs a function that is not this project's; pass --allow-exec") {
		t.Errorf("build without --allow-exec: exit %d\n%s", code, errOut)
	}
	out, errOut, code := run(t, "kubectl-gitops", "build", "--allow-exec", dir)
	if code != 0 || !strings.Contains(out, "name: a") {
		t.Errorf("build --allow-exec: exit %d\n%s%s", code, out, errOut)
	}
}

func TestBuildSeedApps(t *testing.T) {
	out, errOut, code := run(t, "kubectl-gitops", "build", "../testdata/seed-repo/apps")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "build-seed-apps.yaml", out)
}

// The seed's infrastructure installs the MySQL operator from a Helm
// repository: served here from testdata/charts, its URL written into a
// copy of the seed, the chart cache in a temporary directory.
func TestBuildSeedInfrastructureAsKubectlPlugin(t *testing.T) {
	kubectl := testbin.Tool(t, "kubectl", "the plugin is meant to run under it")
	charts := helmrepo.Start(t, helmrepo.Options{Charts: []string{"../testdata/charts/mysql-operator"}})
	dir := t.TempDir()
	testbin.CopyTree(t, "../testdata/seed-repo/infrastructure", dir)
	app := filepath.Join(dir, "mysql.yaml")
	data, err := os.ReadFile(app)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(app, []byte(strings.Replace(string(data), "http://127.0.0.1:0/charts", charts.URL(), 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH"), "XDG_CACHE_HOME=" + t.TempDir()}
	res := testbin.Run(t, testbin.Options{Env: env}, kubectl, "gitops", "build", dir)
	if res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "fetched chart mysql-operator 0.4.0 from "+charts.URL()) {
		t.Errorf("stderr does not say the chart was fetched:\n%s", res.Stderr)
	}
	golden(t, "build-seed-infrastructure.yaml", res.Stdout)
}

func TestBuildKustomizationWithRenderTransformer(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "kustomization.yaml", "resources: [app.yaml]\ntransformers: [render.yaml]\nnamePrefix: team-\n")
	write(t, dir, "render.yaml", `apiVersion: config.oamgitops.dev/v1alpha1
kind: RenderApplications
metadata:
  name: render
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: ./does-not-need-to-exist
spec:
  clusterVersion: v1.30
`)
	write(t, dir, "app.yaml", `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: shop, namespace: web}
spec:
  components:
    - {name: api, type: webservice, properties: {image: "nginx:1.27", ports: [{port: 80, expose: true}]}}
`)
	out, errOut, code := run(t, "kubectl-gitops", "build", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "build-kustomization.yaml", out)
}

func TestBuildBadApplication(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "good.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n")
	write(t, dir, "bad.yaml", `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: shop, namespace: web}
spec:
  components:
    - {name: api, type: webservice, properties: {image: "nginx", ports: [{port: "eighty"}]}}
`)
	out, errOut, code := run(t, "kubectl-gitops", "build", dir)
	if code == 0 {
		t.Fatal("expected a non-zero exit")
	}
	if out != "" {
		t.Errorf("printed objects despite the error:\n%s", out)
	}
	want := `bad.yaml: Application web/shop: spec.components[0].properties.ports[0].port: component "webservice": expected int, got string "eighty"`
	if !strings.Contains(errOut, want) {
		t.Errorf("stderr does not name file, object and field:\n%s\nwant: %s", errOut, want)
	}
}

func TestBuildMissingDir(t *testing.T) {
	_, errOut, code := run(t, "kubectl-gitops", "build", "no/such/dir")
	if code == 0 || !strings.Contains(errOut, "no/such/dir") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The overlays call patch-application and render-application by exec path;
// the plugin runs both in process, with no --enable-exec.
func TestBuildOverlaysRunFunctionsInProcess(t *testing.T) {
	for _, env := range []string{"staging", "prod"} {
		t.Run(env, func(t *testing.T) {
			out, errOut, code := run(t, "kubectl-gitops", "build", "../testdata/overlays/"+env)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden(t, "build-overlay-"+env+".yaml", out)
		})
	}
}

package main

// These tests run the built binaries the way users do: the seed overlays in
// testdata/overlays through `kustomize build --enable-exec`, and the example
// standalone. `go test -update` rewrites the expected files.

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the expected files")

var binDir string

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "patch-application-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir = filepath.Join(dir, "bin")
	for _, fn := range []string{"patch-application", "render-application"} {
		build := exec.Command("go", "build", "-o", filepath.Join(binDir, fn), "../"+fn)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building", fn+":", err)
			return 1
		}
	}
	return m.Run()
}

func kustomize(t *testing.T) string {
	t.Helper()
	if k := os.Getenv("KUSTOMIZE"); k != "" {
		return k
	}
	if k, err := exec.LookPath("kustomize"); err == nil {
		return k
	}
	t.Fatal("kustomize not found: run `make tools` (`make test` passes it as $KUSTOMIZE), or put kustomize on PATH")
	return ""
}

func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

func golden(t *testing.T, path, got string) {
	t.Helper()
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

// overlays copies testdata/overlays into a tree laid out like the
// repository, with bin/ holding the test binaries.
func overlays(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Symlink(binDir, filepath.Join(root, "bin")); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join("..", "..", "testdata", "overlays")
	dst := filepath.Join(root, "testdata", "overlays")
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
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

func TestIntegrationSeedOverlays(t *testing.T) {
	k := kustomize(t)
	dir := overlays(t)
	tests := map[string]struct {
		contains, lacks []string
	}{
		"staging": {
			contains: []string{"replicas: 1", "host: testsvc.staging.example.com", "image: 127.0.0.1:5000/testapp:master-9f1c2ab-1700000000", "kind: Ingress"},
			lacks:    []string{"tier: prod", "testsvc.example.com"},
		},
		"prod": {
			contains: []string{"replicas: 3", "image: 127.0.0.1:5000/testapp:v1.2.0", "tier: prod", "cpu: 500m"},
			lacks:    []string{"kind: Ingress", "master-9f1c2ab"},
		},
	}
	for env, tc := range tests {
		t.Run(env, func(t *testing.T) {
			got := run(t, t.TempDir(), k, "build", "--enable-alpha-plugins", "--enable-exec", filepath.Join(dir, env))
			golden(t, filepath.Join("..", "..", "testdata", "overlays", env, "expected.yaml"), got)
			for _, s := range tc.contains {
				if !strings.Contains(got, s) {
					t.Errorf("output lacks %q", s)
				}
			}
			for _, s := range tc.lacks {
				if strings.Contains(got, s) {
					t.Errorf("output has %q", s)
				}
			}
		})
	}
}

// The base overlay holds a copy of the seed's my-app: kustomize refuses
// files outside a kustomization's directory.
func TestOverlayBaseIsTheSeed(t *testing.T) {
	seed, err := os.ReadFile(filepath.Join("..", "..", "testdata", "seed-repo", "apps", "my-app.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	base, err := os.ReadFile(filepath.Join("..", "..", "testdata", "overlays", "base", "my-app.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(seed), string(base)); diff != "" {
		t.Errorf("testdata/overlays/base/my-app.yaml differs from the seed's (-seed +base):\n%s", diff)
	}
}

func TestIntegrationStandaloneExample(t *testing.T) {
	dir := filepath.Join("examples", "standalone")
	bin := filepath.Join(binDir, "patch-application")
	got := run(t, dir, bin, "patch.yaml", "apps.yaml")
	golden(t, filepath.Join(dir, ".expected", "output.yaml"), got)
	// Patching twice changes nothing more.
	tmp := filepath.Join(t.TempDir(), "once.yaml")
	if err := os.WriteFile(tmp, []byte(got), 0o644); err != nil {
		t.Fatal(err)
	}
	if again := run(t, dir, bin, "patch.yaml", tmp); again != got {
		t.Errorf("a second patch changed the output (-first +second):\n%s", cmp.Diff(got, again))
	}
}

func TestIntegrationBadConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := "apiVersion: config.oamgitops.dev/v1alpha1\nkind: ApplicationPatch\nmetadata: {name: bad}\nspec:\n  components:\n    - name: \"[\"\n"
	if err := os.WriteFile(filepath.Join(dir, "patch.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	app, _ := os.ReadFile(filepath.Join("examples", "standalone", "apps.yaml"))
	if err := os.WriteFile(filepath.Join(dir, "apps.yaml"), app, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(binDir, "patch-application"), "patch.yaml", "apps.yaml")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("exit 0 for a bad config:\n%s", out)
	}
	if want := `spec.components[0].name: "[" is not a valid regular expression`; !strings.Contains(string(out), want) {
		t.Errorf("output %q lacks %q", out, want)
	}
}

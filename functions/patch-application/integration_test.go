package main

// These tests run the built binaries the way users do: the seed overlays in
// testdata/overlays through `kustomize build --enable-exec`, and the example
// standalone. `go test -update` rewrites the expected files.

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/internal/testbin"
)

var update = flag.Bool("update", false, "rewrite the expected files")

var binDir string

func TestMain(m *testing.M) {
	os.Exit(testbin.Main(m, &binDir,
		testbin.Bin{Name: "patch-application", Pkg: "../patch-application"},
		testbin.Bin{Name: "render-application", Pkg: "../render-application"}))
}

func TestIntegrationSeedOverlays(t *testing.T) {
	k := testbin.Kustomize(t)
	// A copy laid out like the repository, with bin/ holding the test binaries.
	dir := testbin.CopyExample(t, binDir, filepath.Join("..", "..", "testdata", "overlays"))
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
			got := testbin.Succeed(t, testbin.In(t.TempDir()), k, "build", "--enable-alpha-plugins", "--enable-exec", filepath.Join(dir, env)).Stdout
			testbin.Golden(t, filepath.Join("..", "..", "testdata", "overlays", env, "expected.yaml"), got, *update)
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
	got := testbin.Succeed(t, testbin.In(dir), bin, "patch.yaml", "apps.yaml").Stdout
	testbin.Golden(t, filepath.Join(dir, ".expected", "output.yaml"), got, *update)
	// Patching twice changes nothing more.
	tmp := filepath.Join(t.TempDir(), "once.yaml")
	if err := os.WriteFile(tmp, []byte(got), 0o644); err != nil {
		t.Fatal(err)
	}
	if again := testbin.Succeed(t, testbin.In(dir), bin, "patch.yaml", tmp).Stdout; again != got {
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
	res := testbin.Run(t, testbin.In(dir), filepath.Join(binDir, "patch-application"), "patch.yaml", "apps.yaml")
	out := res.Stdout + res.Stderr
	if res.Code == 0 {
		t.Fatalf("exit 0 for a bad config:\n%s", out)
	}
	if want := `spec.components[0].name: "[" is not a valid regular expression`; !strings.Contains(out, want) {
		t.Errorf("output %q lacks %q", out, want)
	}
}

package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/catalog"
	"github.com/oamgitops/kubectl-gitops/krm/render"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

func configMap(name string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + "}\ndata: {k: v}\n"
}

// secretMark is in every file outside the repository: no output or error
// may show it.
const secretMark = "TOP-SECRET-OUTSIDE"

// TestDirRefusesPathsOutsideRoot builds trees laid out as
//
//	<tmp>/repo/…     the repository (Options.Root)
//	<tmp>/outside/…  a kustomization, a ConfigMap and a file that must not be read
//
// where OUTSIDE in a file stands for <tmp>/outside.
func TestDirRefusesPathsOutsideRoot(t *testing.T) {
	outside := map[string]string{
		"outside/kustomization.yaml": "resources: [cm.yaml]\n",
		"outside/cm.yaml":            configMap("outside") + "# " + secretMark + "\n",
		"outside/secret.env":         "password=" + secretMark + "\n",
	}
	tests := map[string]struct {
		files    map[string]string
		symlinks map[string]string // link → target, as written
		dir      string            // under repo/; "" is repo/app
		noRoot   bool              // build without Options.Root
		want     []string          // object names
		wantErr  string            // substring; implies source.ErrOutsideRepository
	}{
		"resources inside": {
			files: map[string]string{"repo/app/kustomization.yaml": "resources: [cm.yaml, ../base]\n", "repo/app/cm.yaml": configMap("a"),
				"repo/base/kustomization.yaml": "resources: [cm.yaml]\n", "repo/base/cm.yaml": configMap("base")},
			want: []string{"a", "base"},
		},
		// kustomize itself wants a file under the kustomization's directory.
		"symlink inside": {
			files:    map[string]string{"repo/app/kustomization.yaml": "resources: [link.yaml]\n", "repo/app/data/cm.yaml": configMap("data")},
			symlinks: map[string]string{"repo/app/link.yaml": "data/cm.yaml"},
			want:     []string{"data"},
		},
		"plain directory with a symlink inside": {
			files:    map[string]string{"repo/app/cm.yaml": configMap("a"), "repo/shared/cm.yaml": configMap("shared")},
			symlinks: map[string]string{"repo/app/link.yaml": "../shared/cm.yaml"},
			want:     []string{"a", "shared"},
		},
		"plain directory with a symlinked directory inside": {
			files:    map[string]string{"repo/app/cm.yaml": configMap("a"), "repo/shared/one.yaml": configMap("one")},
			symlinks: map[string]string{"repo/app/shared": "../shared"},
			want:     []string{"a", "one"},
		},
		"plain directory with a symlink loop": {
			files:    map[string]string{"repo/app/cm.yaml": configMap("a")},
			symlinks: map[string]string{"repo/app/again": "."},
			want:     []string{"a"},
		},
		"plain directory with a symlinked directory outside": {
			files:    map[string]string{"repo/app/cm.yaml": configMap("a")},
			symlinks: map[string]string{"repo/app/out": "../../outside"},
			wantErr:  "path app/out leaves the repository through a symlink",
		},
		"base outside": {
			files:   map[string]string{"repo/app/kustomization.yaml": "resources: [../../outside]\n"},
			wantErr: "path ../outside leaves the repository",
		},
		"resource file outside": {
			files:   map[string]string{"repo/app/kustomization.yaml": "resources: [../../outside/cm.yaml]\n"},
			wantErr: "path ../outside/cm.yaml leaves the repository",
		},
		"absolute resource": {
			files:   map[string]string{"repo/app/kustomization.yaml": "resources: [OUTSIDE/cm.yaml]\n"},
			wantErr: "path ../outside/cm.yaml leaves the repository",
		},
		"generator file outside": {
			files:   map[string]string{"repo/app/kustomization.yaml": "configMapGenerator:\n- name: leak\n  envs: [../../outside/secret.env]\n"},
			wantErr: "path ../outside/secret.env leaves the repository",
		},
		"patch outside": {
			files: map[string]string{"repo/app/kustomization.yaml": "resources: [cm.yaml]\npatches: [{path: ../../outside/cm.yaml}]\n",
				"repo/app/cm.yaml": configMap("outside")},
			wantErr: "path ../outside/cm.yaml leaves the repository",
		},
		"symlinked resource": {
			files:    map[string]string{"repo/app/kustomization.yaml": "resources: [cm.yaml]\n"},
			symlinks: map[string]string{"repo/app/cm.yaml": "../../outside/cm.yaml"},
			wantErr:  "path app/cm.yaml leaves the repository through a symlink",
		},
		"symlinked kustomization": {
			symlinks: map[string]string{"repo/app/kustomization.yaml": "../../outside/kustomization.yaml"},
			wantErr:  "path app/kustomization.yaml leaves the repository through a symlink",
		},
		"symlinked base": {
			files:    map[string]string{"repo/app/kustomization.yaml": "resources: [../base]\n"},
			symlinks: map[string]string{"repo/base": "../outside"},
			wantErr:  "path base leaves the repository through a symlink",
		},
		"plain directory with a symlink out": {
			files:    map[string]string{"repo/app/cm.yaml": configMap("a")},
			symlinks: map[string]string{"repo/app/z.yaml": "../../outside/cm.yaml"},
			wantErr:  "path app/z.yaml leaves the repository through a symlink",
		},
		"directory is a symlink out": {
			symlinks: map[string]string{"repo/app": "../outside"},
			wantErr:  "path app leaves the repository through a symlink",
		},
		// Each link stays inside when read as text (the checkout's own
		// test), yet z/up resolves to repo/.. through the link a → ".".
		"symlink chain out": {
			files:    map[string]string{"repo/app/kustomization.yaml": "resources: [../z/up/outside]\n"},
			symlinks: map[string]string{"repo/a": ".", "repo/z/up": "../a/.."},
			wantErr:  "path z/up/outside leaves the repository through a symlink",
		},
		"directory outside": {
			files:   map[string]string{"repo/app/cm.yaml": configMap("a")},
			dir:     "../outside",
			wantErr: "path ../outside leaves the repository",
		},
		"no root: a local build reads its bases": {
			files:  map[string]string{"repo/app/kustomization.yaml": "resources: [../../outside]\n"},
			noRoot: true,
			want:   []string{"outside"},
		},
	}
	builtins, err := catalog.Registry()
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tmp := t.TempDir()
			write := func(files map[string]string) {
				for p, content := range files {
					full := filepath.Join(tmp, filepath.FromSlash(p))
					if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
						t.Fatal(err)
					}
					content = strings.ReplaceAll(content, "OUTSIDE", filepath.Join(tmp, "outside"))
					if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			write(outside)
			write(tc.files)
			for link, target := range tc.symlinks {
				full := filepath.Join(tmp, filepath.FromSlash(link))
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(target, full); err != nil {
					t.Fatal(err)
				}
			}
			opts := Options{Render: render.Function{Builtins: builtins, LoadDir: catalog.LoadDir}}
			if !tc.noRoot {
				opts.Root = filepath.Join(tmp, "repo")
			}
			dir := tc.dir
			if dir == "" {
				dir = "app"
			}
			res, err := Dir(context.Background(), filepath.Join(tmp, "repo", dir), opts)
			if tc.wantErr != "" {
				if !errors.Is(err, source.ErrOutsideRepository) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Dir error = %v, want source.ErrOutsideRepository with %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), secretMark) {
					t.Errorf("error shows what is outside: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range res.Objects {
				got = append(got, o.GetName())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("objects (-want +got):\n%s", diff)
			}
		})
	}
}

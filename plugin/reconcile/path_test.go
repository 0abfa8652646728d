package reconcile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oamgitops/kubectl-gitops/plugin/build"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

// TestWalkRefusesPathsOutsideRepository syncs sources whose path, whose
// kustomization or whose symlinks lead out of the checkout. Files outside
// hold a mark no visit and no error may show.
func TestWalkRefusesPathsOutsideRepository(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "outside")
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"kustomization.yaml": "resources: [cm.yaml]\n",
		"cm.yaml":            configMap("outside") + "# TOP-SECRET\n",
	} {
		if err := os.WriteFile(filepath.Join(outside, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := gitserver.Start(t, gitserver.Options{})
	repo := srv.MustCreate(t, "config")
	repo.MustWriteFiles(t, map[string]string{
		"apps/cm.yaml":                  configMap("apps"),
		"base-out/kustomization.yaml":   "resources: [" + outside + "]\n",
		"climb-out/kustomization.yaml":  "resources: [../../../../../../../../" + strings.TrimPrefix(outside, "/") + "]\n",
		"nested/app.yaml":               app("nested", srv.URL("config"), "../apps"),
		"chain/kustomization.yaml":      "resources: [../z/up]\n",
		"linked-file/kustomization.yml": "resources: [cm.yaml]\n",
	})
	// Each link stays inside the repository read as text, which is what
	// the checkout checks; z/up resolves to the checkout's parent through
	// the link a → ".".
	for link, target := range map[string]string{"a": ".", "z/up": "../a/..", "linked-file/cm.yaml": "../z/up/x.yaml"} {
		p := filepath.Join(repo.Work, filepath.FromSlash(link))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	repo.MustCommit(t, "paths")
	repo.MustPush(t)
	w := testWalker(t, map[string]gitrepo.Auth{"team/git-secret": {}, "team/": {}})

	tests := map[string]struct {
		url, path string
		wantErr   string
	}{
		"path parent":        {path: "../x", wantErr: "source src: path ../x leaves the repository"},
		"path rooted parent": {path: "/../..", wantErr: "source src: path /../.. leaves the repository: it is absolute"},
		"path absolute":      {path: outside, wantErr: "source src: path " + outside + " leaves the repository"},
		// Refused before any fetch: the URL is never reached.
		"path parent, server down":    {url: "http://127.0.0.1:1/config.git", path: "../x", wantErr: "source src: path ../x leaves the repository"},
		"kustomization base absolute": {path: "base-out", wantErr: "kustomize build base-out: path ../"},
		"kustomization base climbs":   {path: "climb-out", wantErr: "kustomize build climb-out: path ../"},
		"nested source path":          {path: "nested", wantErr: "source nested/src (nested/app.yaml: Application team/nested: spec.components[0]): path ../apps leaves the repository"},
		"symlink chain":               {path: "chain", wantErr: "path z/up leaves the repository through a symlink"},
		"symlinked file":              {path: "linked-file", wantErr: "path linked-file/cm.yaml leaves the repository through a symlink"},
		"path through symlink chain":  {path: "z/up", wantErr: "path z/up leaves the repository through a symlink"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			url := tc.url
			if url == "" {
				url = srv.URL("config")
			}
			root := source.Declaration{Name: "src", Namespace: "team", URL: url, Ref: gitrepo.Ref{Branch: "main"}, Path: tc.path}
			visited := []string{}
			err := w.Walk(context.Background(), []source.Declaration{root}, func(_ context.Context, b *build.Built) error {
				for _, o := range b.Objects {
					visited = append(visited, b.Source.Name+": "+o.GetName())
				}
				return nil
			})
			if !errors.Is(err, source.ErrOutsideRepository) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Walk error = %v, want ErrOutsideRepository with %q", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), "leaves the repository") || strings.Contains(err.Error(), "TOP-SECRET") {
				t.Errorf("error %q", err)
			}
			for _, v := range visited {
				if strings.HasSuffix(v, ": outside") {
					t.Errorf("visited an object from outside the repository: %s", v)
				}
			}
			t.Log(err)
		})
	}
}

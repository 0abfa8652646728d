package reconcile

import (
	"bytes"
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/plugin/build"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

func TestFetchOne(t *testing.T) {
	srv := gitserver.Start(t, gitserver.Options{})
	url := srv.URL("config")
	repo := srv.MustCreate(t, "config")
	repo.MustWriteFiles(t, map[string]string{
		"clusters/cm.yaml":  configMap("root-cm"),
		"clusters/app.yaml": app("apps", url, "./apps"),
		"apps/cm.yaml":      configMap("apps-cm"),
	})
	first := repo.MustCommit(t, "first")
	repo.MustPush(t)
	w := testWalker(t, map[string]gitrepo.Auth{"team/git-secret": {}, "team/": {}})
	var progress bytes.Buffer
	w.Progress = &progress
	root := source.Declaration{Name: "root", Namespace: "team", URL: url, Ref: gitrepo.Ref{Branch: "main"}, Path: "clusters"}
	ctx := context.Background()

	f, err := w.FetchOne(ctx, root, "")
	if err != nil {
		t.Fatal(err)
	}
	rev := "main@sha1:" + first
	if f.Revision != rev || f.Built == nil || f.Built.Revision != rev || len(f.Built.Objects) != 1 || f.Built.Parent != nil {
		t.Fatalf("first FetchOne: %+v, want a build of %s with one object and no parent", f, rev)
	}
	var nested []string
	for _, n := range f.Nested {
		nested = append(nested, n.Name+" "+n.Path)
	}
	if diff := cmp.Diff([]string{"apps/src ./apps"}, nested); diff != "" {
		t.Errorf("nested sources (-want +got):\n%s", diff)
	}

	progress.Reset()
	f, err = w.FetchOne(ctx, root, rev)
	if err != nil {
		t.Fatal(err)
	}
	if f.Revision != rev || f.Built != nil || f.Nested != nil {
		t.Errorf("FetchOne of the known revision: %+v, want only the revision", f)
	}
	if progress.Len() != 0 {
		t.Errorf("FetchOne of the known revision printed %q", progress.String())
	}

	repo.MustWriteFiles(t, map[string]string{"clusters/cm.yaml": configMap("root-cm-2")})
	second := repo.MustCommit(t, "second")
	repo.MustPush(t)
	f, err = w.FetchOne(ctx, root, rev)
	if err != nil {
		t.Fatal(err)
	}
	if f.Built == nil || f.Revision != "main@sha1:"+second || f.Built.Objects[0].GetName() != "root-cm-2" {
		t.Errorf("FetchOne after a commit: %+v, want a build of the new commit", f)
	}
}

// Walk tells each nested source which source declared it; the inventory
// records it for `delete`.
func TestWalkSetsParent(t *testing.T) {
	srv := gitserver.Start(t, gitserver.Options{})
	url := srv.URL("config")
	repo := srv.MustCreate(t, "config")
	repo.MustWriteFiles(t, map[string]string{
		"clusters/app.yaml": app("apps", url, "./apps"),
		"apps/app.yaml":     app("deeper", url, "./deeper"),
		"deeper/cm.yaml":    configMap("deep"),
	})
	repo.MustCommit(t, "nested twice")
	repo.MustPush(t)
	w := testWalker(t, map[string]gitrepo.Auth{"team/git-secret": {}, "team/": {}})
	root := source.Declaration{Name: "root", Namespace: "team", URL: url, Ref: gitrepo.Ref{Branch: "main"}, Path: "clusters"}
	var got []string
	err := w.Walk(context.Background(), []source.Declaration{root}, func(_ context.Context, b *build.Built) error {
		parent := "-"
		if b.Parent != nil {
			parent = b.Parent.Name
		}
		got = append(got, b.Source.Name+" in "+parent)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"root in -", "apps/src in root", "deeper/src in apps/src"}, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

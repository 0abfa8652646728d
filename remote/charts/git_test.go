package charts_test

import (
	"context"
	"strings"
	"testing"

	"github.com/oamgitops/kubectl-gitops/krm/helm"
	"github.com/oamgitops/kubectl-gitops/remote/charts"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

// A chart in a directory of a Git repository is packaged per commit; its
// tag is read from the cache offline; a branch follows new commits.
func TestGitRepository(t *testing.T) {
	const user, password = "git", "s3cret-git-pa55"
	srv := gitserver.Start(t, gitserver.Options{Username: user, Password: password})
	repo := srv.MustCreate(t, "charts")
	repo.MustCopyTree(t, "../../testdata/charts")
	first := repo.MustCommit(t, "charts")
	repo.MustTag(t, "v0.4.0")
	repo.MustWriteFiles(t, map[string]string{"mysql-operator/Chart.yaml": strings.Replace(
		mustRead(t, mysqlOperator+"/Chart.yaml"), "version: 0.4.0", "version: 0.4.1", 1)})
	repo.MustCommit(t, "0.4.1")
	repo.MustPush(t)

	creds := func(context.Context, string, string) (gitrepo.Auth, error) {
		return gitrepo.Auth{Username: user, Password: password}, nil
	}
	dir := t.TempDir()
	opts := charts.Options{Dir: dir, AllowNetwork: true, Credentials: creds, Git: gitrepo.Options{CacheDir: t.TempDir()}}
	base := helm.ChartRef{RepoType: helm.RepoGit, URL: srv.URL("charts"), Chart: "./mysql-operator", Version: "*",
		SecretRef: "git", Namespace: "db"}
	cases := map[string]struct {
		git  helm.GitRef
		want string
	}{
		"tag":            {git: helm.GitRef{Tag: "v0.4.0"}, want: "0.4.0"},
		"commit":         {git: helm.GitRef{Commit: first[:10]}, want: "0.4.0"},
		"branch":         {git: helm.GitRef{Branch: "main"}, want: "0.4.1"},
		"default branch": {want: "0.4.1"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ref := base
			ref.Git = tc.git
			data, err := get(t, provider(t, opts).Session(), ref)
			if err != nil {
				t.Fatal(err)
			}
			if v := version(t, data); v != tc.want {
				t.Errorf("version %s, want %s", v, tc.want)
			}
			srvDown := provider(t, charts.Options{Dir: dir}).Session()
			if data, err := srvDown.Chart(ref); err != nil || version(t, data) != tc.want {
				t.Errorf("offline: %v", err)
			}
		})
	}
	t.Run("errors", func(t *testing.T) {
		for name, tc := range map[string]struct {
			ref  func(helm.ChartRef) helm.ChartRef
			want string
		}{
			"version mismatch": {ref: func(r helm.ChartRef) helm.ChartRef { r.Git.Tag, r.Version = "v0.4.0", "0.5.x"; return r },
				want: `has version 0.4.0, which does not match "0.5.x"`},
			"no such directory": {ref: func(r helm.ChartRef) helm.ChartRef { r.Chart = "postgresql"; return r },
				want: "has no directory postgresql"},
			"outside the repository": {ref: func(r helm.ChartRef) helm.ChartRef { r.Chart = "../x"; return r },
				want: `chart "../x": a chart in a Git repository is a directory inside it`},
			"no such tag": {ref: func(r helm.ChartRef) helm.ChartRef { r.Git.Tag = "v9"; return r },
				want: "v9"},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := get(t, provider(t, opts).Session(), tc.ref(base))
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %v\nwant it to contain %q", err, tc.want)
				}
				if strings.Contains(err.Error(), password) {
					t.Errorf("the error shows the password: %v", err)
				}
			})
		}
	})
}

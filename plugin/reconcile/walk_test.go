package reconcile

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/catalog"
	"github.com/oamgitops/kubectl-gitops/krm/render"
	"github.com/oamgitops/kubectl-gitops/plugin/build"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

// app is an Application with one kustomize component syncing path of url.
func app(name, url, path string) string {
	return `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: ` + name + `, namespace: team}
spec:
  components:
    - name: src
      type: kustomize
      properties: {url: "` + url + `", path: ` + path + `, git: {branch: main}, secretRef: git-secret}
`
}

func configMap(name string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", namespace: team}\n"
}

func testWalker(t *testing.T, creds map[string]gitrepo.Auth) *Walker {
	t.Helper()
	builtins, err := catalog.Registry()
	if err != nil {
		t.Fatal(err)
	}
	return &Walker{
		Build: build.Options{Render: render.Function{Builtins: builtins, LoadDir: catalog.LoadDir}},
		Fetch: gitrepo.Options{CacheDir: t.TempDir()},
		Credentials: func(_ context.Context, ns, name string) (gitrepo.Auth, error) {
			a, ok := creds[ns+"/"+name]
			if !ok {
				return gitrepo.Auth{}, errors.New("no secret " + ns + "/" + name)
			}
			return a, nil
		},
	}
}

func TestWalkNestedSources(t *testing.T) {
	srv := gitserver.Start(t, gitserver.Options{Username: "u", Password: "p"})
	url := srv.URL("config")
	repo := srv.MustCreate(t, "config")
	repo.MustWriteFiles(t, map[string]string{
		"clusters/all.yaml": app("infra", url, "./infra") + "---\n" + app("apps", url, "./apps"),
		"infra/cm.yaml":     configMap("infra-cm"),
		"apps/cm.yaml":      configMap("apps-cm"),
		"apps/again.yaml":   app("infra-again", url, "infra/"), // reached twice: visited once
	})
	repo.MustCommit(t, "nested")
	repo.MustPush(t)
	w := testWalker(t, map[string]gitrepo.Auth{"team/git-secret": {Username: "u", Password: "p"}})
	root := source.Declaration{Name: "root", Namespace: "team", URL: url, Ref: gitrepo.Ref{Branch: "main"}, Path: "clusters", SecretRef: "git-secret"}
	var got []string
	err := w.Walk(context.Background(), []source.Declaration{root}, func(_ context.Context, b *build.Built) error {
		names := []string{}
		for _, o := range b.Objects {
			names = append(names, o.GetKind()+"/"+o.GetName())
		}
		got = append(got, b.Source.Name+" ["+strings.Join(names, ",")+"] "+b.Source.Origin)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"root [] ",
		"infra/src [ConfigMap/infra-cm] clusters/all.yaml: Application team/infra: spec.components[0]",
		"apps/src [ConfigMap/apps-cm] clusters/all.yaml: Application team/apps: spec.components[0]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestWalkCycle(t *testing.T) {
	srv := gitserver.Start(t, gitserver.Options{})
	url := srv.URL("loop")
	repo := srv.MustCreate(t, "loop")
	repo.MustWriteFiles(t, map[string]string{
		"a/app.yaml": app("a", url, "./b"),
		"b/app.yaml": app("b", url, "./a"),
	})
	repo.MustCommit(t, "loop")
	repo.MustPush(t)
	w := testWalker(t, map[string]gitrepo.Auth{"team/git-secret": {}, "team/": {}})
	root := source.Declaration{Name: "root", Namespace: "team", URL: url, Ref: gitrepo.Ref{Branch: "main"}, Path: "a"}
	visits := 0
	err := w.Walk(context.Background(), []source.Declaration{root}, func(context.Context, *build.Built) error { visits++; return nil })
	if !errors.Is(err, source.ErrCycle) {
		t.Fatalf("want source.ErrCycle, got %v", err)
	}
	if want := "root -> a/src -> b/src"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not show the cycle %q", err, want)
	}
	if visits != 2 {
		t.Errorf("visited %d sources before the cycle, want 2", visits)
	}
}

func TestWalkBuildErrorNamesSourceAndFile(t *testing.T) {
	srv := gitserver.Start(t, gitserver.Options{})
	repo := srv.MustCreate(t, "bad")
	repo.MustWriteFiles(t, map[string]string{"apps/bad.yaml": `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: shop, namespace: web}
spec:
  components:
    - {name: api, type: webservice, properties: {image: nginx, ports: [{port: "eighty"}]}}
`})
	repo.MustCommit(t, "bad")
	repo.MustPush(t)
	w := testWalker(t, nil)
	w.Credentials = nil
	root := source.Declaration{Name: "bad", Namespace: "web", URL: srv.URL("bad"), Path: "apps", Origin: "clusters/x.yaml"}
	err := w.Walk(context.Background(), []source.Declaration{root}, func(context.Context, *build.Built) error {
		t.Error("visited a source that did not render")
		return nil
	})
	for _, want := range []string{"source bad (clusters/x.yaml): path apps at main@sha1:", "bad.yaml: Application web/shop: spec.components[0].properties.ports[0].port"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

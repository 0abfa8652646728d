package cmd_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/oamgitops/kubectl-gitops/internal/testbin"
	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/cmd"
	"github.com/oamgitops/kubectl-gitops/plugin/status"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

// velaTime ends a row with a time as `vela ls` prints it.
var velaTime = regexp.MustCompile(`   \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [-+]\d{4} [^ ]+$`)

// lsRepo is a small config repo: clusters/apps.yaml declares a source of
// apps/ (shop: three components, blog: one), and broken/ holds an
// Application whose Deployment can never be scheduled.
func lsRepo(ns, url string) map[string]string {
	return map[string]string{
		"clusters/apps.yaml": `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: apps, namespace: ` + ns + `}
spec:
  components:
    - name: apps
      type: kustomize
      properties:
        repoType: git
        url: ` + url + `
        secretRef: git-secret
        git: {branch: main}
        path: ./apps
`,
		"apps/shop.yaml": `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: shop, namespace: ` + ns + `}
spec:
  components:
    - name: api
      type: webservice
      properties: {image: "registry.example/api:1", port: 8080}
    - name: web
      type: webservice
      properties: {image: "registry.example/web:1", port: 80}
      traits:
        - type: scaler
          properties: {replicas: 1}
    - name: worker
      type: worker
      properties: {image: "registry.example/worker:1"}
`,
		"apps/blog.yaml": `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: blog, namespace: ` + ns + `}
spec:
  components:
    - name: blog
      type: webservice
      properties: {image: "registry.example/blog:1", port: 80}
`,
		"broken/stuck.yaml": `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: stuck, namespace: ` + ns + `}
spec:
  components:
    - name: pending
      type: raw
      properties:
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: pending}
        spec:
          replicas: 1
          selector: {matchLabels: {app: pending}}
          template:
            metadata: {labels: {app: pending}}
            spec:
              nodeSelector: {no-such-node: "true"}
              containers: [{name: c, image: "registry.example/pending:1"}]
`,
	}
}

// Two sources synced (one healthy, one stuck), then ls, ls -A, ls -o json,
// status, and history after a second revision; a hand-edited inventory
// does not break ls.
func TestLsAndHistory(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	srv := gitserver.Start(t, gitserver.Options{Username: gitUser, Password: gitPassword})
	repo := srv.MustCreate(t, "ls-config")
	repo.MustWriteFiles(t, lsRepo(ns, srv.URL("ls-config")))
	first := repo.MustCommit(t, "apps")
	repo.MustPush(t)
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "git-secret", Namespace: ns},
		StringData: map[string]string{"username": gitUser, "password": gitPassword}}
	if _, err := env.Client.CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, gitops(t, repo.Work, "sync", "clusters/apps.yaml"), "sync clusters/apps.yaml")
	creds := []string{"GIT_USERNAME=" + gitUser, "GIT_PASSWORD=" + gitPassword}
	broken := []string{"--repo", srv.URL("ls-config"), "--branch", "main", "--path", "broken", "-n", ns}
	if res := gitopsEnv(t, t.TempDir(), creds, append([]string{"sync", "--timeout", "5s"}, broken...)...); res.Code == 0 {
		t.Fatalf("sync of a Deployment that cannot be scheduled succeeded:\n%s", res.Stderr)
	}
	firstRev := "main@sha1:" + first

	t.Run("ls", func(t *testing.T) {
		res := gitops(t, repo.Work, "ls", "-n", ns)
		mustSucceed(t, res, "ls")
		want := [][]string{
			{"APP", "COMPONENT", "TYPE", "TRAITS", "PHASE", "HEALTHY", "STATUS", "CREATED-TIME"},
			{"apps", "apps", "kustomize", "running", "healthy", firstRev},
			{"blog", "blog", "webservice", "running", "healthy", "Ready:1/1"},
			{"ls-config/broken", "kustomize", "unhealthy", "unhealthy", "no", "revision", "became", "healthy", "yet"},
			{"shop", "api", "webservice", "running", "healthy", "Ready:1/1"},
			{"├─", "web", "webservice", "scaler", "running", "healthy", "Ready:1/1"},
			{"└─", "worker", "worker", "running", "healthy", "Ready:1/1"},
			{"stuck", "pending", "raw", "unhealthy", "unhealthy"},
		}
		checkTable(t, res.Stdout, want)
		for _, l := range strings.Split(strings.TrimSpace(res.Stdout), "\n")[1:] {
			if !velaTime.MatchString(l) {
				t.Errorf("CREATED-TIME not in vela's format (2021-09-26 20:48:09 +0800 CST): %q", l)
			}
		}
		if alias := gitops(t, repo.Work, "status", "-n", ns); alias.Code != 0 || alias.Stdout != res.Stdout {
			t.Errorf("status differs from ls: exit %d\n%s", alias.Code, alias.Stdout)
		}
	})

	t.Run("ls -A", func(t *testing.T) {
		res := gitops(t, repo.Work, "ls", "-A")
		mustSucceed(t, res, "ls -A")
		lines := strings.Split(res.Stdout, "\n")
		if got := strings.Fields(lines[0]); len(got) == 0 || got[0] != "NAMESPACE" {
			t.Fatalf("ls -A header %q", lines[0])
		}
		var mine []string
		for _, l := range lines[1:] {
			if f := strings.Fields(l); len(f) > 0 && f[0] == ns {
				mine = append(mine, strings.Join(f[1:3], " "))
			}
		}
		want := []string{"apps apps", "blog blog", "ls-config/broken kustomize", "shop api", "├─ web", "└─ worker", "stuck pending"}
		if diff := cmp.Diff(want, mine); diff != "" {
			t.Errorf("ls -A rows of %s (-want +got):\n%s", ns, diff)
		}
	})

	t.Run("ls -o json", func(t *testing.T) {
		res := gitops(t, repo.Work, "ls", "-n", ns, "-o", "json")
		mustSucceed(t, res, "ls -o json")
		var rows []status.Row
		if err := json.Unmarshal([]byte(res.Stdout), &rows); err != nil {
			t.Fatalf("ls -o json: %v\n%s", err, res.Stdout)
		}
		type brief struct {
			App, Component, Phase string
			Healthy               bool
			Traits                []string
			Revision, URL         string
		}
		var got []brief
		for _, r := range rows {
			b := brief{App: r.App, Component: r.Component, Phase: r.Phase, Healthy: r.Healthy, Traits: r.Traits}
			if r.Source != nil {
				b.Revision, b.URL = r.Source.Revision, r.Source.URL
			}
			if r.Namespace != ns || r.Created.IsZero() {
				t.Errorf("row %+v: want namespace %s and a created time", r, ns)
			}
			got = append(got, b)
		}
		want := []brief{
			{App: "apps", Component: "apps", Phase: "running", Healthy: true, Revision: firstRev, URL: srv.URL("ls-config")},
			{App: "blog", Component: "blog", Phase: "running", Healthy: true},
			{App: "ls-config/broken", Phase: "unhealthy", URL: srv.URL("ls-config")},
			{App: "shop", Component: "api", Phase: "running", Healthy: true},
			{App: "shop", Component: "web", Phase: "running", Healthy: true, Traits: []string{"scaler"}},
			{App: "shop", Component: "worker", Phase: "running", Healthy: true},
			{App: "stuck", Component: "pending", Phase: "unhealthy"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ls -o json (-want +got):\n%s", diff)
		}
	})

	t.Run("history", func(t *testing.T) {
		repo.MustWriteFiles(t, map[string]string{"README.md": "config\n"})
		second := repo.MustCommit(t, "readme")
		repo.MustPush(t)
		mustSucceed(t, gitops(t, repo.Work, "sync", "clusters/apps.yaml"), "sync of the second revision")
		res := gitops(t, repo.Work, "history", "clusters/apps.yaml")
		mustSucceed(t, res, "history")
		checkTable(t, res.Stdout, [][]string{
			{"SOURCE", "REVISION", "APPLIED-TIME"},
			{"apps/apps", firstRev},
			{"apps/apps", "main@sha1:" + second},
		})
		res = gitops(t, repo.Work, "history", "clusters/apps.yaml", "-o", "yaml")
		mustSucceed(t, res, "history -o yaml")
		var hs []cmd.SourceHistory
		if err := yaml.Unmarshal([]byte(res.Stdout), &hs); err != nil {
			t.Fatalf("history -o yaml: %v\n%s", err, res.Stdout)
		}
		if len(hs) != 1 || len(hs[0].History) != 2 || hs[0].Revision != "main@sha1:"+second ||
			hs[0].History[1].Time.Before(hs[0].History[0].Time) || hs[0].Inventory.Name != "gitops.apps.apps" {
			t.Errorf("history -o yaml: %+v", hs)
		}

		res = gitopsEnv(t, t.TempDir(), nil, append([]string{"history"}, broken...)...)
		mustSucceed(t, res, "history of a source never healthy")
		if res.Stdout != "" || !strings.Contains(res.Stderr, "ls-config/broken: no revision became healthy yet") {
			t.Errorf("history of the broken source:\n%s%s", res.Stdout, res.Stderr)
		}
		res = gitops(t, t.TempDir(), "history", "--repo", srv.URL("ls-config"), "--path", "nowhere", "-n", ns)
		if res.Code == 0 || !strings.Contains(res.Stderr, "no inventory in the cluster") || !strings.Contains(res.Stderr, "sync it first") {
			t.Errorf("history of a source never synced: exit %d\n%s", res.Code, res.Stderr)
		}
	})

	t.Run("ls by a user of the namespace only", func(t *testing.T) {
		kubeconfig := namespaceViewer(ctx, t, ns)
		run := func(args ...string) testbin.Result {
			res := testbin.Run(t, testbin.Options{Dir: repo.Work}, filepath.Join(binDir, "kubectl-gitops"), append(args, "--kubeconfig", kubeconfig)...)
			t.Logf("kubectl gitops %s (namespace viewer): exit %d\n%s%s", strings.Join(args, " "), res.Code, res.Stderr, res.Stdout)
			return res
		}
		res := run("ls", "-n", ns)
		mustSucceed(t, res, "ls as a namespace viewer")
		checkTable(t, res.Stdout, [][]string{
			{"APP", "COMPONENT", "TYPE", "TRAITS", "PHASE", "HEALTHY", "STATUS", "CREATED-TIME"},
			{"apps", "apps", "kustomize"}, {"blog", "blog"}, {"ls-config/broken", "kustomize"},
			{"shop", "api"}, {"├─", "web"}, {"└─", "worker"}, {"stuck", "pending"},
		})
		if res := run("ls", "-A"); res.Code == 0 || !strings.Contains(res.Stderr, "forbidden") || !strings.Contains(res.Stderr, "-n NAMESPACE") {
			t.Errorf("ls -A as a namespace viewer: exit %d, want forbidden\n%s", res.Code, res.Stderr)
		}
	})

	t.Run("hand-edited inventory", func(t *testing.T) {
		cms := env.Client.CoreV1().ConfigMaps(ns)
		inv, err := cms.Get(ctx, "gitops.apps.apps", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		inv.Annotations[apply.ComponentsAnnotation] = "{not json"
		inv.Annotations[apply.SourceAnnotation] = "[]"
		if _, err := cms.Update(ctx, inv, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		res := gitops(t, repo.Work, "ls", "-n", ns)
		mustSucceed(t, res, "ls over a hand-edited inventory")
		checkTable(t, res.Stdout, [][]string{
			{"APP", "COMPONENT", "TYPE", "TRAITS", "PHASE", "HEALTHY", "STATUS", "CREATED-TIME"},
			{"gitops.apps.apps", "kustomize", "running", "healthy", "main@sha1:"},
			{"ls-config/broken", "kustomize", "unhealthy"},
			{"stuck", "pending", "raw", "unhealthy"},
		})
	})
}

// checkTable checks that each line of table starts with the fields of
// the same line of want (the last field may be a prefix).
func checkTable(t *testing.T, table string, want [][]string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("want %d lines, got:\n%s", len(want), table)
	}
	for i, w := range want {
		got := strings.Fields(lines[i])
		ok := len(got) >= len(w)
		for j := 0; ok && j < len(w); j++ {
			last := j == len(w)-1
			ok = got[j] == w[j] || last && strings.HasPrefix(got[j], w[j])
		}
		if !ok {
			t.Errorf("line %d: want fields %q, got %q", i, w, lines[i])
		}
	}
}

// namespaceViewer writes a kubeconfig for a ServiceAccount that may read
// ConfigMaps in ns only (no Secrets: ls reads ConfigMap inventories without them).
func namespaceViewer(ctx context.Context, t *testing.T, ns string) string {
	t.Helper()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "viewer", Namespace: ns}}
	if _, err := env.Client.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "viewer", Namespace: ns}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "list"}}}}
	if _, err := env.Client.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "viewer", Namespace: ns},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "viewer"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "viewer", Namespace: ns}}}
	if _, err := env.Client.RbacV1().RoleBindings(ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tr, err := env.Client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "viewer", &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.LoadFromFile(env.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, auth := range cfg.AuthInfos {
		auth.Token = tr.Status.Token
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

package cmd_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/oamgitops/kubectl-gitops/internal/testbin"
	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
	"github.com/oamgitops/kubectl-gitops/test/helmrepo"
)

const (
	gitUser     = "git"
	gitPassword = "s3cret-pa55"
)

// seed pushes testdata/seed-repo to a new Git server with basic auth, its
// clusters/*.yaml pointing at that server, and returns the repository (its
// Work directory is the user's clone).
func seed(t *testing.T) *gitserver.Repo {
	t.Helper()
	srv := gitserver.Start(t, gitserver.Options{Username: gitUser, Password: gitPassword})
	repo := srv.MustCreate(t, "config")
	repo.MustCopyTree(t, "../../testdata/seed-repo")
	files := map[string]string{}
	for _, name := range []string{"clusters/infra.yaml", "clusters/apps.yaml"} {
		data, err := os.ReadFile(filepath.Join(repo.Work, name))
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(data), "url: http://127.0.0.1:0/config.git", "url: "+srv.URL("config"))
		if text == string(data) {
			t.Fatalf("%s: no url to rewrite", name)
		}
		files[name] = text
	}
	// The MySQL operator's chart, from a Helm repository of the test.
	charts := helmrepo.Start(t, helmrepo.Options{Charts: []string{"../../testdata/charts/mysql-operator"}})
	data, err := os.ReadFile(filepath.Join(repo.Work, "infrastructure/mysql.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files["infrastructure/mysql.yaml"] = strings.ReplaceAll(string(data), "url: http://127.0.0.1:0/charts", "url: "+charts.URL())
	repo.MustWriteFiles(t, files)
	repo.MustCommit(t, "seed")
	repo.MustPush(t)
	return repo
}

// gitops runs the built plugin in dir against the test cluster.
func gitops(t *testing.T, dir string, args ...string) testbin.Result {
	t.Helper()
	return gitopsEnv(t, dir, nil, args...)
}

// gitopsEnv is gitops with extra environment variables.
func gitopsEnv(t *testing.T, dir string, extraEnv []string, args ...string) testbin.Result {
	t.Helper()
	args = append(args, "--kubeconfig", env.Kubeconfig)
	res := testbin.Run(t, testbin.Options{Dir: dir, Env: append([]string{"XDG_CACHE_HOME=" + cacheDir(t)}, extraEnv...)},
		filepath.Join(binDir, "kubectl-gitops"), args...)
	t.Logf("kubectl gitops %s: exit %d\n%s%s", strings.Join(args[:len(args)-2], " "), res.Code, res.Stderr, res.Stdout)
	for _, out := range []string{res.Stdout, res.Stderr} {
		if strings.Contains(out, gitPassword) {
			t.Fatalf("kubectl gitops %s printed the Git password:\n%s", strings.Join(args, " "), out)
		}
		if strings.Contains(out, sealedRootPassword) || strings.Contains(out, base64.StdEncoding.EncodeToString([]byte(sealedRootPassword))) {
			t.Fatalf("kubectl gitops %s printed the password decrypted from SOPS:\n%s", strings.Join(args, " "), out)
		}
	}
	return res
}

var cacheDirs = map[string]string{}

// cacheDir is one Git cache per top-level test.
func cacheDir(t *testing.T) string {
	name := strings.SplitN(t.Name(), "/", 2)[0]
	if cacheDirs[name] == "" {
		cacheDirs[name] = t.TempDir()
	}
	return cacheDirs[name]
}

// mustFail checks that a command failed with each of wants on its stderr.
func mustFail(t *testing.T, res testbin.Result, what string, wants ...string) {
	t.Helper()
	if res.Code == 0 {
		t.Errorf("%s: exit 0, want a failure", what)
	}
	for _, want := range wants {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("%s: stderr lacks %q:\n%s", what, want, res.Stderr)
		}
	}
}

func mustSucceed(t *testing.T, res testbin.Result, what string) {
	t.Helper()
	if res.Code != 0 {
		t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", what, res.Code, res.Stdout, res.Stderr)
	}
}

// The seed story: infra (operator, then MysqlCluster once it is healthy,
// its mysql-secret decrypted from SOPS ciphertext in Git), then the app; a
// second sync changes nothing; diff sees a new commit and sync applies it.
func TestSeedSyncAndDiff(t *testing.T) {
	if env == nil {
		env.NewNamespace(t) // skips under -short with the cluster package's message
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	repo := seed(t)
	gitSecret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "git-secret", Namespace: "default"},
		StringData: map[string]string{"username": gitUser, "password": gitPassword}}
	if _, err := env.Client.CoreV1().Secrets("default").Create(ctx, gitSecret, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	// mysql-secret is not created by hand: it is in Git, encrypted.
	sealedSecret := sealMySQLSecret(ctx, t, repo.Work, "default")
	repo.MustCommit(t, "infrastructure: mysql-secret, encrypted with sops")
	repo.MustPush(t)

	res := gitops(t, repo.Work, "sync", "clusters/infra.yaml")
	mustSucceed(t, res, "sync clusters/infra.yaml")
	for _, want := range []string{"infra/database-config: fetched main@sha1:", "decrypted 1 SOPS file(s) in memory", "rendered 4 objects", "healthy at main@sha1:"} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("progress lacks %q:\n%s", want, res.Stderr)
		}
	}
	for _, want := range []string{"KIND", "CustomResourceDefinition", "mysqlclusters.mysql.presslabs.org", "MysqlCluster", "mysql-operator", "created"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, res.Stdout)
		}
	}
	infraInOrder(ctx, t, "default")
	checkSealedSecret(ctx, t, "default")
	checkOnlyCiphertext(ctx, t, repo, sealedSecret)

	res = gitops(t, repo.Work, "sync", "clusters/apps.yaml")
	mustSucceed(t, res, "sync clusters/apps.yaml")
	app, err := env.Client.AppsV1().Deployments("default").Get(ctx, "my-server", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := app.Spec.Template.Spec.Containers[0].Env; !hasSecretEnv(got, "DB_PASSWORD", "mysql-secret") {
		t.Errorf("my-server env lacks DB_PASSWORD from mysql-secret: %+v", got)
	}
	if _, err := env.Client.CoreV1().Services("default").Get(ctx, "my-server", metav1.GetOptions{}); err != nil {
		t.Error(err)
	}
	if host := ingressHost(ctx, t); host != "testsvc.example.com" {
		t.Errorf("ingress host %q", host)
	}

	res = gitops(t, repo.Work, "sync", "clusters/apps.yaml", "-o", "json")
	mustSucceed(t, res, "second sync clusters/apps.yaml")
	var results []apply.Result
	if err := json.Unmarshal([]byte(res.Stdout), &results); err != nil {
		t.Fatalf("sync -o json: %v\n%s", err, res.Stdout)
	}
	if len(results) != 1 || results[0].Source != "apps/apps" || len(results[0].Changes) != 3 || results[0].Error != "" {
		t.Errorf("second sync -o json: want one source with 3 changes, got:\n%s", res.Stdout)
	}
	for _, r := range results {
		for _, c := range r.Changes {
			if c.Action != "unchanged" {
				t.Errorf("second sync changed something: %+v", c)
			}
		}
	}
	// The inventory records the revision, where the source comes from, and
	// the health of my-server by the webservice definition's status rule.
	inv, err := env.Client.CoreV1().ConfigMaps("default").Get(ctx, "gitops.apps.apps", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"oamgitops.dev/revision":   "main@sha1:",
		"oamgitops.dev/source":     `"app":"apps","component":"apps"`,
		"oamgitops.dev/components": `"component":"my-server","type":"webservice","traits":["ingress"],"healthy":true,"message":"Ready:1/1"`,
	} {
		if got := inv.Annotations[key]; !strings.Contains(got, want) {
			t.Errorf("inventory annotation %s = %q, want it to contain %q", key, got, want)
		}
	}

	// ls shows the seed's table: the two sources, then the apps they applied.
	res = gitops(t, repo.Work, "ls")
	mustSucceed(t, res, "ls")
	checkTable(t, res.Stdout, [][]string{
		{"APP", "COMPONENT", "TYPE", "TRAITS", "PHASE", "HEALTHY", "STATUS", "CREATED-TIME"},
		{"apps", "apps", "kustomize", "running", "healthy", "main@sha1:"},
		{"infra", "database-config", "kustomize", "running", "healthy", "main@sha1:"},
		{"my-app", "my-server", "webservice", "ingress", "running", "healthy", "Ready:1/1"},
		{"mysql", "mysql-controller", "helm", "running", "healthy"},
		{"└─", "mysql-cluster", "raw", "running", "healthy"},
	})

	for _, src := range []string{"clusters/infra.yaml", "clusters/apps.yaml"} {
		if res := gitops(t, repo.Work, "diff", src); res.Code != 0 || res.Stdout != "" {
			t.Errorf("diff %s right after sync: exit %d\n%s\n%s", src, res.Code, res.Stdout, res.Stderr)
		}
	}

	app0, err := os.ReadFile(filepath.Join(repo.Work, "apps/my-app.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	repo.MustWriteFiles(t, map[string]string{"apps/my-app.yaml": strings.Replace(string(app0),
		"domain: testsvc.example.com", "domain: shop.example.com", 1)})
	repo.MustCommit(t, "apps: new domain")
	repo.MustPush(t)

	res = gitops(t, repo.Work, "diff", "clusters/apps.yaml")
	if res.Code != 1 {
		t.Fatalf("diff after a commit: exit %d, want 1\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	for _, want := range []string{"Ingress/default/my-server configured", "-  - host: testsvc.example.com", "+  - host: shop.example.com"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("diff lacks %q:\n%s", want, res.Stdout)
		}
	}
	if strings.Contains(res.Stdout, "Deployment/") {
		t.Errorf("diff shows the unchanged Deployment:\n%s", res.Stdout)
	}
	res = gitops(t, repo.Work, "diff", "clusters/apps.yaml", "-o", "yaml")
	var diffs []apply.ObjectDiff
	if err := sigsyaml.Unmarshal([]byte(res.Stdout), &diffs); err != nil || res.Code != 1 {
		t.Fatalf("diff -o yaml: exit %d, %v\n%s\n%s", res.Code, err, res.Stdout, res.Stderr)
	}
	if len(diffs) != 1 || diffs[0].Subject != "Ingress/default/my-server" || diffs[0].Source != "apps/apps" ||
		!strings.Contains(diffs[0].Diff, "+  - host: shop.example.com") {
		t.Errorf("diff -o yaml: want the Ingress of apps/apps, got:\n%s", res.Stdout)
	}

	res = gitops(t, repo.Work, "sync", "clusters/apps.yaml")
	mustSucceed(t, res, "sync after the commit")
	if !strings.Contains(res.Stdout, "configured") {
		t.Errorf("sync after the commit configured nothing:\n%s", res.Stdout)
	}
	if host := ingressHost(ctx, t); host != "shop.example.com" {
		t.Errorf("ingress host after sync %q", host)
	}
}

// infraInOrder checks the seed's infrastructure in ns: the MySQL
// operator Available, and the MysqlCluster created only after it was.
func infraInOrder(ctx context.Context, t *testing.T, ns string) {
	t.Helper()
	op, err := env.Client.AppsV1().Deployments(ns).Get(ctx, "mysql-operator", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	available := condition(op, appsv1.DeploymentAvailable)
	if available == nil || available.Status != corev1.ConditionTrue {
		t.Fatalf("mysql-operator not Available after sync: %+v", op.Status.Conditions)
	}
	dyn, err := dynamic.NewForConfig(env.RESTConfig)
	if err != nil {
		t.Fatal(err)
	}
	mc, err := dyn.Resource(schema.GroupVersionResource{Group: "mysql.presslabs.org", Version: "v1alpha1", Resource: "mysqlclusters"}).
		Namespace(ns).Get(ctx, "mysql-cluster", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("MysqlCluster: %v", err)
	}
	if created := mc.GetCreationTimestamp(); created.Before(&available.LastTransitionTime) {
		t.Errorf("MysqlCluster created at %s, before the operator became Available at %s", created, available.LastTransitionTime)
	}
}

func condition(d *appsv1.Deployment, ct appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range d.Status.Conditions {
		if d.Status.Conditions[i].Type == ct {
			return &d.Status.Conditions[i]
		}
	}
	return nil
}

func hasSecretEnv(env []corev1.EnvVar, name, secret string) bool {
	for _, e := range env {
		if e.Name == name && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Name == secret {
			return true
		}
	}
	return false
}

func ingressHost(ctx context.Context, t *testing.T) string {
	t.Helper()
	ing, err := env.Client.NetworkingV1().Ingresses("default").Get(ctx, "my-server", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ing.Spec.Rules) == 0 {
		return ""
	}
	return ing.Spec.Rules[0].Host
}

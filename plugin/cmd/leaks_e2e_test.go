package cmd_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oamgitops/kubectl-gitops/internal/testbin"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

// leakValues are the secrets of the leak corpus: each is somewhere a
// command reads, none may appear in any command's output or error.
var leakValues = map[string]string{
	"Secret stringData":       "leak-stringdata-8f3a",
	"Secret data":             "leak-data-2b7c",
	"changed Secret value":    "leak-changed-5d1e",
	"pruned Secret value":     "leak-pruned-9e4f",
	"chart values password":   "leak-chartvalue-7a2b",
	"Git password":            gitPassword,
	"token in a Git URL":      "leak-urltoken-3c8d",
	"password in an scp URL":  "leak-scppass-6f0a",
	"token in a chart URL":    "leak-charttoken-1e9b",
	"SSH key in a Secret":     "leak-sshkey-4d6c",
	"env from a Secret's key": "leak-envvalue-0b5e",
	"SOPS-encrypted value":    "leak-sops-7c2e",
	"rotated SOPS value":      "leak-sopsrot-3a9f",
	"SOPS value in a DSN":     "leak-sopsdsn-5b1d",
}

// The leak corpus: every command a user runs, in every output format,
// against sources holding secrets in each place one can be, in Secrets,
// URLs and chart values, succeeding and failing. No value may appear in
// any output or error.
func TestNoSecretLeaks(t *testing.T) {
	ns := env.NewNamespace(t)
	keyFile, recipient := newAgeKey(t)
	keySecret(context.Background(), t, ns, keyFile)
	srv := gitserver.Start(t, gitserver.Options{Username: gitUser, Password: gitPassword})
	repo := srv.MustCreate(t, "leaks")
	secret := func(name string, data map[string]string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "apiVersion: v1\nkind: Secret\nmetadata: {name: %s, namespace: %s}\n", name, ns)
		b.WriteString("stringData:\n")
		for k, v := range data {
			fmt.Fprintf(&b, "  %s: %q\n", k, v)
		}
		return b.String()
	}
	deployment := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app, namespace: " + ns + "}\n" +
		"spec: {replicas: 1, selector: {matchLabels: {app: app}}, template: {metadata: {labels: {app: app}}, spec: {containers: [{name: c, image: busybox, " +
		"env: [{name: TOKEN, valueFrom: {secretKeyRef: {name: creds, key: token}}}]}]}}}\n"
	files := map[string]string{
		"app/creds.yaml":  secret("creds", map[string]string{"password": leakValues["Secret stringData"], "token": leakValues["env from a Secret's key"]}),
		"app/binary.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: binary, namespace: " + ns + "}\ndata: {key: " + base64.StdEncoding.EncodeToString([]byte(leakValues["Secret data"])) + "}\n",
		"app/old.yaml":    secret("old", map[string]string{"password": leakValues["pruned Secret value"]}),
		"app/deploy.yaml": deployment,
		"app/sealed.yaml": sopsEncrypt(t, recipient, "sealed.yaml", secret("sealed", map[string]string{"password": leakValues["SOPS-encrypted value"]})),
		"app/sealed-env.yaml": sopsEncrypt(t, recipient, "sealed-env.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: sealed-env, namespace: "+ns+"}\n"+
			"data:\n  dsn: \"mysql://root:"+leakValues["SOPS value in a DSN"]+"@db:3306/app\"\n"),
		"clusters/app.yaml": "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: leaks, namespace: " + ns + "}\nspec:\n  components:\n" +
			"    - {name: src, type: kustomize, properties: {url: " + srv.URL("leaks") + ", secretRef: git-secret, git: {branch: main}, path: ./app, " +
			"decryption: {provider: sops, secretRef: {name: sops-age}}}}\n",
		"chart/app.yaml": "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: chart, namespace: " + ns + "}\nspec:\n  components:\n" +
			"    - {name: db, type: helm, properties: {repoType: helm, url: \"http://u:" + leakValues["token in a chart URL"] + "@127.0.0.1:1/charts\", chart: db, version: '1.0.0', " +
			"values: {password: " + leakValues["chart values password"] + "}}}\n",
	}
	repo.MustWriteFiles(t, files)
	repo.MustCommit(t, "secrets everywhere")
	repo.MustPush(t)
	kubectl(t, "create", "secret", "generic", "git-secret", "-n", ns, "--from-literal=username="+gitUser, "--from-literal=password="+gitPassword)
	kubectl(t, "create", "secret", "generic", "ssh-secret", "-n", ns, "--from-literal=identity=-----BEGIN OPENSSH PRIVATE KEY-----\n"+leakValues["SSH key in a Secret"]+"\n-----END OPENSSH PRIVATE KEY-----")
	mustSucceed(t, gitops(t, repo.Work, "sync", "clusters/app.yaml"), "the first sync")

	// The second commit changes a Secret's value and drops another.
	files["app/creds.yaml"] = secret("creds", map[string]string{"password": leakValues["changed Secret value"], "token": leakValues["env from a Secret's key"]})
	repo.MustWriteFiles(t, map[string]string{"app/creds.yaml": files["app/creds.yaml"],
		"app/sealed.yaml": sopsEncrypt(t, recipient, "sealed.yaml", secret("sealed", map[string]string{"password": leakValues["rotated SOPS value"]}))})
	if err := removeFile(repo, "app/old.yaml"); err != nil {
		t.Fatal(err)
	}
	repo.MustCommit(t, "a Secret changed, one gone")
	repo.MustPush(t)

	urlToken := "https://" + gitUser + ":" + leakValues["token in a Git URL"] + "@127.0.0.1:1/leaks.git"
	scp := "deploy:" + leakValues["password in an scp URL"] + "@127.0.0.1:org/leaks.git"
	flagSource := []string{"--repo", srv.URL("leaks"), "--branch", "main", "--path", "./app", "--secret", "git-secret", "-n", ns}
	var runs [][]string
	for _, out := range [][]string{nil, {"-o", "json"}, {"-o", "yaml"}} {
		for _, cmd := range [][]string{
			{"diff", "clusters/app.yaml"}, {"diff", "--allow-empty", "clusters/app.yaml"}, append([]string{"diff"}, flagSource...),
			{"delete", "--dry-run", "clusters/app.yaml"}, {"history", "clusters/app.yaml"}, {"ls", "-n", ns}, {"ls", "-A"},
			{"diff", "--repo", urlToken, "--branch", "main", "-n", ns}, {"sync", "--repo", urlToken, "--branch", "main", "-n", ns},
			{"diff", "--repo", scp, "--branch", "main", "-n", ns}, {"sync", "--repo", scp, "--branch", "main", "-n", ns},
			{"diff", "--repo", srv.URL("leaks"), "--branch", "main", "--secret", "ssh-secret", "-n", ns},
			{"image", "update", "--dry-run", "--repo", urlToken, "--branch", "main"},
			{"image", "update", "--dry-run", "--repo", scp, "--branch", "main"},
		} {
			runs = append(runs, append(append([]string{}, cmd...), out...))
		}
	}
	for _, cmd := range [][]string{
		{"build", "chart"}, {"build", "app"}, {"sync", "clusters/app.yaml"}, {"watch", "--once", "clusters/app.yaml"},
		{"sync", "clusters/app.yaml", "-o", "json"}, {"diff", "clusters/app.yaml"}, {"history", "clusters/app.yaml", "-o", "json"},
		{"delete", "--dry-run", "clusters/app.yaml", "-o", "json"},
	} {
		runs = append(runs, cmd)
	}
	attempts := 0
	for _, args := range runs {
		if args[0] != "build" {
			args = append(args, "--kubeconfig", env.Kubeconfig)
		}
		res := testbin.Run(t, testbin.Options{Dir: repo.Work, Env: []string{"XDG_CACHE_HOME=" + cacheDir(t), "GIT_PASSWORD=" + gitPassword,
			"SOPS_AGE_KEY_FILE=" + keyFile}}, filepath.Join(binDir, "kubectl-gitops"), args...)
		for what, value := range leakValues {
			attempts++
			for stream, text := range map[string]string{"stdout": res.Stdout, "stderr": res.Stderr} {
				if strings.Contains(text, value) || strings.Contains(text, base64.StdEncoding.EncodeToString([]byte(value))) {
					t.Errorf("kubectl gitops %s: the %s (%s) is in its %s:\n%s", strings.Join(args, " "), what, value, stream, text)
				}
			}
		}
	}
	if attempts < 100 {
		t.Fatalf("%d leak attempts, want at least 100", attempts)
	}
	t.Logf("%d leak attempts (%d commands × %d secrets), 0 leaks", attempts, len(runs), len(leakValues))
}

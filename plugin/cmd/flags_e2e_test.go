package cmd_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

// A source declared by flags, with credentials from the environment: diff
// masks Secret values and lists what a sync would prune, and sync prunes it.
func TestFlagSourcePruneAndMaskedDiff(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	srv := gitserver.Start(t, gitserver.Options{Username: gitUser, Password: gitPassword})
	repo := srv.MustCreate(t, "plain")
	repo.MustWriteFiles(t, map[string]string{
		"app/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: " + ns + "}\nstringData: {password: first-value}\n",
		"app/extra.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra, namespace: " + ns + "}\ndata: {a: b}\n",
	})
	repo.MustCommit(t, "app")
	repo.MustPush(t)
	creds := []string{"GIT_USERNAME=" + gitUser, "GIT_PASSWORD=" + gitPassword}
	args := []string{"--repo", srv.URL("plain"), "--branch", "main", "--path", "app", "-n", ns}

	res := gitops(t, t.TempDir(), append([]string{"sync"}, args...)...)
	if res.Code == 0 || !strings.Contains(res.Stderr, "error: source plain/app (http://127.0.0.1:") {
		t.Errorf("sync without credentials: exit %d, want an authentication error:\n%s", res.Code, res.Stderr)
	}
	res = gitopsEnv(t, t.TempDir(), creds, append([]string{"sync"}, args...)...)
	mustSucceed(t, res, "sync --repo")
	if !strings.Contains(res.Stderr, "plain/app: fetched main@sha1:") {
		t.Errorf("progress does not name the source plain/app:\n%s", res.Stderr)
	}

	repo.MustWriteFiles(t, map[string]string{
		"app/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: " + ns + "}\nstringData: {password: second-value}\n",
	})
	if err := removeFile(repo, "app/extra.yaml"); err != nil {
		t.Fatal(err)
	}
	repo.MustCommit(t, "secret changed, extra gone")
	repo.MustPush(t)

	res = gitopsEnv(t, t.TempDir(), creds, append([]string{"diff"}, args...)...)
	if res.Code != 1 {
		t.Fatalf("diff: exit %d, want 1\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	for _, want := range []string{"Secret/" + ns + "/db configured", "*** (before)", "*** (after)", "ConfigMap/" + ns + "/extra deleted", "-  a: b"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("diff lacks %q:\n%s", want, res.Stdout)
		}
	}
	for _, secret := range []string{"first-value", "second-value", "Zmlyc3QtdmFsdWU", "c2Vjb25kLXZhbHVl"} {
		if strings.Contains(res.Stdout, secret) {
			t.Errorf("diff shows a Secret value %q:\n%s", secret, res.Stdout)
		}
	}

	res = gitopsEnv(t, t.TempDir(), creds, append([]string{"sync"}, args...)...)
	mustSucceed(t, res, "sync after the commit")
	if !strings.Contains(res.Stdout, "extra") || !strings.Contains(res.Stdout, "deleted") {
		t.Errorf("sync did not report the prune:\n%s", res.Stdout)
	}
	_, err := env.Client.CoreV1().ConfigMaps(ns).Get(ctx, "extra", metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("ConfigMap extra after the prune: %v", err)
	}
	if res := gitopsEnv(t, t.TempDir(), creds, append([]string{"diff"}, args...)...); res.Code != 0 {
		t.Errorf("diff after sync: exit %d\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
}

func removeFile(repo *gitserver.Repo, name string) error {
	return os.Remove(filepath.Join(repo.Work, filepath.FromSlash(name)))
}

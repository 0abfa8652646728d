package cmd_test

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// delete of a source that was never synced says so; after a sync,
// --dry-run lists what would go and deletes nothing; delete removes the
// nested source (found from the cluster) before the source that declared
// it, each in reverse dependency order, inventories last.
func TestDelete(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	repo := appsRepo(ctx, t, ns)

	notSynced := "source root/platform (clusters/root.yaml: Application " + ns + "/root: spec.components[0]): nothing to delete: " +
		"inventory ConfigMap " + ns + "/gitops.root.platform is not in the cluster"
	res := gitops(t, repo.Work, "delete", "clusters/root.yaml")
	if res.Code != 1 || !strings.Contains(res.Stderr, notSynced) || res.Stdout != "" {
		t.Errorf("delete before any sync: exit %d, want 1 and %q\n%s%s", res.Code, notSynced, res.Stderr, res.Stdout)
	}

	mustSucceed(t, gitops(t, repo.Work, "sync", "clusters/root.yaml"), "sync clusters/root.yaml")
	// history finds the nested source from the cluster too, after its parent.
	res = gitops(t, repo.Work, "history", "clusters/root.yaml")
	mustSucceed(t, res, "history clusters/root.yaml")
	if i, j := strings.Index(res.Stdout, "root/platform "), strings.Index(res.Stdout, "apps/apps "); i < 0 || j < i {
		t.Errorf("history: want root/platform, then its nested source apps/apps:\n%s", res.Stdout)
	}
	// What each source applied, inventory last, in the order delete goes.
	apps := []string{"Ingress " + ns + " my-server", "Deployment " + ns + " my-server", "Service " + ns + " my-server",
		"ConfigMap " + ns + " gitops.apps.apps"}
	platform := []string{"ConfigMap " + ns + " platform-settings", "ConfigMap " + ns + " gitops.root.platform"}

	res = gitops(t, repo.Work, "delete", "--dry-run", "clusters/root.yaml")
	mustSucceed(t, res, "delete --dry-run")
	checkDeleteTable(t, res.Stdout, "deleted (dry run)", append(append([]string{}, apps...), platform...))
	if _, err := env.Client.AppsV1().Deployments(ns).Get(ctx, "my-server", metav1.GetOptions{}); err != nil {
		t.Errorf("after --dry-run: %v", err)
	}

	res = gitops(t, repo.Work, "delete", "clusters/root.yaml")
	mustSucceed(t, res, "delete")
	checkDeleteTable(t, res.Stdout, "deleted", append(append([]string{}, apps...), platform...))
	for _, want := range []string{"apps/apps: deleting what main@sha1:", "apps/apps: 4 deleted", "root/platform: 2 deleted"} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("progress lacks %q:\n%s", want, res.Stderr)
		}
	}
	eventually(t, time.Minute, "everything gone", func() string {
		gets := map[string]error{}
		_, gets["Deployment my-server"] = env.Client.AppsV1().Deployments(ns).Get(ctx, "my-server", metav1.GetOptions{})
		_, gets["Ingress my-server"] = env.Client.NetworkingV1().Ingresses(ns).Get(ctx, "my-server", metav1.GetOptions{})
		for _, cm := range []string{"platform-settings", "gitops.apps.apps", "gitops.root.platform"} {
			_, gets["ConfigMap "+cm] = env.Client.CoreV1().ConfigMaps(ns).Get(ctx, cm, metav1.GetOptions{})
		}
		for what, err := range gets {
			if !apierrors.IsNotFound(err) {
				return what + ": " + errString(err)
			}
		}
		return ""
	})

	res = gitops(t, repo.Work, "delete", "clusters/root.yaml")
	if res.Code != 1 || !strings.Contains(res.Stderr, notSynced) {
		t.Errorf("second delete: exit %d, want 1 and %q\n%s", res.Code, notSynced, res.Stderr)
	}
}

// checkDeleteTable checks the KIND NAMESPACE NAME ACTION rows: want, in
// that order, each with action.
func checkDeleteTable(t *testing.T, table, action string, want []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) == 0 || strings.Join(strings.Fields(lines[0]), " ") != "KIND NAMESPACE NAME ACTION" {
		t.Fatalf("no table header:\n%s", table)
	}
	var got []string
	for _, l := range lines[1:] {
		got = append(got, strings.Join(strings.Fields(l), " "))
	}
	var wantRows []string
	for _, w := range want {
		wantRows = append(wantRows, w+" "+action)
	}
	if strings.Join(got, "\n") != strings.Join(wantRows, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantRows, "\n"))
	}
}

func errString(err error) string {
	if err == nil {
		return "still there"
	}
	return err.Error()
}

package cmd_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oamgitops/kubectl-gitops/internal/testbin"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
	"github.com/oamgitops/kubectl-gitops/test/helmrepo"
)

// helmApp is an Application with one helm component in namespace ns.
func helmApp(ns, props string) string {
	return fmt.Sprintf(`apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: db, namespace: %s}
spec:
  components:
    - name: operator
      type: helm
      properties:
        %s
`, ns, strings.ReplaceAll(strings.TrimSpace(props), "\n", "\n        "))
}

// A chart from a private Helm repository: the credentials come from the
// Secret secretRef names, values from a ConfigMap and a Secret in the
// cluster; a chart that cannot be had fails the sync before anything is
// applied, naming the component, the chart and its version.
func TestSyncHelmChart(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	const chartUser, chartPassword = "charts", "s3cret-chart-pa55"
	// The seed's chart without its CRD, which the seed's tests own.
	chart := filepath.Join(t.TempDir(), "mysql-operator")
	testbin.CopyTree(t, "../../testdata/charts/mysql-operator", chart)
	if err := os.RemoveAll(filepath.Join(chart, "crds")); err != nil {
		t.Fatal(err)
	}
	charts := helmrepo.Start(t, helmrepo.Options{Charts: []string{chart}, Username: chartUser, Password: chartPassword})
	srv := gitserver.Start(t, gitserver.Options{Username: gitUser, Password: gitPassword})
	repo := srv.MustCreate(t, "db")
	push := func(app string) {
		t.Helper()
		repo.MustWriteFiles(t, map[string]string{"db/app.yaml": app})
		repo.MustCommit(t, "db")
		repo.MustPush(t)
	}
	for _, obj := range []any{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "chart-repo", Namespace: ns},
			StringData: map[string]string{"username": chartUser, "password": chartPassword}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "operator-values", Namespace: ns},
			Data: map[string]string{"values.yaml": "replicas: 2\nimage: {tag: from-configmap}\n"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "operator-secret-values", Namespace: ns},
			StringData: map[string]string{"watch": "team-a"}},
	} {
		var err error
		switch o := obj.(type) {
		case *corev1.Secret:
			_, err = env.Client.CoreV1().Secrets(ns).Create(ctx, o, metav1.CreateOptions{})
		case *corev1.ConfigMap:
			_, err = env.Client.CoreV1().ConfigMaps(ns).Create(ctx, o, metav1.CreateOptions{})
		}
		if err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	creds := []string{"GIT_USERNAME=" + gitUser, "GIT_PASSWORD=" + gitPassword}
	args := []string{"sync", "--repo", srv.URL("db"), "--name", "db", "--branch", "main", "--path", "db", "-n", ns, "--timeout", "90s"}
	cache := t.TempDir()
	run := func() (string, string, int) {
		res := gitopsEnv(t, t.TempDir(), append(creds, "XDG_CACHE_HOME="+cache), args...)
		if strings.Contains(res.Stdout+res.Stderr, chartPassword) {
			t.Fatalf("the chart repository's password is printed:\n%s\n%s", res.Stdout, res.Stderr)
		}
		return res.Stdout, res.Stderr, res.Code
	}

	push(helmApp(ns, `url: `+charts.URL()+`
chart: mysql-operator
version: 0.4.x
secretRef: chart-repo
valuesFrom:
  - {kind: ConfigMap, name: operator-values}
  - {kind: Secret, name: operator-secret-values, valuesKey: watch, targetPath: watchNamespace}
  - {kind: ConfigMap, name: not-there, optional: true}
values: {fullnameOverride: mysql-operator}`))
	out, errOut, code := run()
	if code != 0 {
		t.Fatalf("sync: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "fetched chart mysql-operator 0.4.0 from "+charts.URL()) {
		t.Errorf("progress does not say the chart was fetched:\n%s", errOut)
	}
	op, err := env.Client.AppsV1().Deployments(ns).Get(ctx, "mysql-operator", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := op.Spec.Template.Spec.Containers[0]
	if got := fmt.Sprintf("replicas=%d image=%s args=%v", *op.Spec.Replicas, c.Image, c.Args); got !=
		"replicas=2 image=registry.example/mysql-operator:from-configmap args=[--namespace=team-a]" {
		t.Errorf("the values did not reach the Deployment: %s", got)
	}
	if op.Status.AvailableReplicas != 2 {
		t.Errorf("sync returned before the chart's Deployment was available: %+v", op.Status)
	}
	if l := op.Labels; l["app.oam.dev/component"] != "operator" || l["workload.oam.dev/type"] != "helm" {
		t.Errorf("labels of the chart's Deployment: %v", l)
	}
	requests := charts.Requests()

	// A second sync reads the cache (the exact answer to 0.4.x is fresh).
	if _, errOut, code := run(); code != 0 {
		t.Fatalf("second sync: exit %d\n%s", code, errOut)
	}
	if n := charts.Requests(); n != requests {
		t.Errorf("the second sync asked the chart repository %d times", n-requests)
	}

	// A chart version the repository does not have: nothing applied.
	push(helmApp(ns, `url: `+charts.URL()+`
chart: mysql-operator
version: 0.9.0
secretRef: chart-repo
values: {fullnameOverride: other-operator}`))
	_, errOut, code = run()
	want := `db/app.yaml: Application ` + ns + `/db: spec.components[0]: component "operator": chart mysql-operator version 0.9.0 from ` +
		charts.URL() + `: no version matches "0.9.0" (versions: 0.4.0)`
	if code == 0 || !strings.Contains(errOut, want) || !strings.Contains(errOut, "nothing applied") {
		t.Errorf("exit %d, stderr:\n%s\nwant it to contain %q and \"nothing applied\"", code, errOut, want)
	}
	if _, err := env.Client.AppsV1().Deployments(ns).Get(ctx, "other-operator", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Deployment other-operator: %v, want not found", err)
	}
	if _, err := env.Client.AppsV1().Deployments(ns).Get(ctx, "mysql-operator", metav1.GetOptions{}); err != nil {
		t.Errorf("the failed sync removed the chart's Deployment: %v", err)
	}
}

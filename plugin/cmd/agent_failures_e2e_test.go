package cmd_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/oamgitops/kubectl-gitops/plugin/cmd"
)

// Sources that fail are Ready=False with a message naming what failed (the
// missing Secret; the file and object the API server rejected), apply
// nothing of a rejected render, and do not hold up the source that works;
// the missing Secret created, its source recovers on its own.
func TestAgentNamesWhatFails(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	mustSucceed(t, gitops(t, t.TempDir(), "install", "-n", "gitops-"+ns), "install") // the CRD
	t.Cleanup(func() { uninstallAll(t, "gitops-"+ns) })
	repo := appsRepo(ctx, t, ns)
	declared, err := os.ReadFile(filepath.Join(repo.Work, "clusters/apps.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	url := regexp.MustCompile(`url: (\S+)`).FindStringSubmatch(string(declared))[1]
	declare := func(name, path, secret string) string {
		return `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: ` + name + `, namespace: ` + ns + `}
spec:
  components:
    - name: ` + name + `
      type: kustomize
      properties: {repoType: git, url: "` + url + `", secretRef: ` + secret + `, git: {branch: main}, path: ` + path + `}
`
	}
	cm := func(name string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", namespace: " + ns + "}\ndata: {k: v}\n"
	}
	repo.MustWriteFiles(t, map[string]string{
		"clusters/nosecret.yaml": declare("nosecret", "./other", "missing-secret"),
		"clusters/broken.yaml":   declare("broken", "./broken", "git-secret"),
		"other/settings.yaml":    cm("other-settings"),
		"broken/ok.yaml":         cm("half-applied"),
		"broken/bad.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bad, namespace: " + ns + "}\n" +
			"spec: {replicas: two, selector: {matchLabels: {app: bad}}, template: {metadata: {labels: {app: bad}}, spec: {containers: [{name: c, image: busybox}]}}}\n",
	})
	repo.MustCommit(t, "a source without its Secret and one the API server rejects")
	repo.MustPush(t)

	agent := startGitops(t, repo.Work, "agent", "-n", ns, "--interval", "2s")
	for _, f := range []string{"apps", "nosecret", "broken"} {
		kubectl(t, "apply", "-f", filepath.Join(repo.Work, "clusters", f+".yaml"))
	}
	dc, err := dynamic.NewForConfig(env.RESTConfig)
	if err != nil {
		t.Fatal(err)
	}
	apps := dc.Resource(cmd.ApplicationResource).Namespace(ns)
	ready := func(name string) (status, reason, message string) {
		app, err := apps.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return "", "", err.Error()
		}
		conds, _, _ := unstructured.NestedSlice(app.Object, "status", "conditions")
		for _, c := range conds {
			m, _ := c.(map[string]any)
			if m["type"] == "Ready" {
				s, _ := m["status"].(string)
				r, _ := m["reason"].(string)
				msg, _ := m["message"].(string)
				return s, r, msg
			}
		}
		return "", "", "no Ready condition"
	}
	failsWith := func(name string, want ...string) func() string {
		return func() string {
			status, reason, msg := ready(name)
			if status != "False" || reason != "ReconciliationFailed" {
				return fmt.Sprintf("Ready=%s %s: %s", status, reason, msg)
			}
			for _, w := range want {
				if !strings.Contains(msg, w) {
					return fmt.Sprintf("message %q lacks %q", msg, w)
				}
			}
			return ""
		}
	}
	kubectl(t, "wait", "--for=condition=Ready", "application/apps", "-n", ns, "--timeout=120s")
	eventually(t, time.Minute, "the source without its Secret failing", failsWith("nosecret",
		"Secret "+ns+"/missing-secret not found", "kubectl create secret generic missing-secret -n "+ns))
	eventually(t, time.Minute, "the rejected source failing", failsWith("broken",
		"broken/bad.yaml", "Deployment", "bad"))
	if _, err := env.Client.CoreV1().ConfigMaps(ns).Get(ctx, "half-applied", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("ConfigMap half-applied of the rejected source: %v, want it never applied", err)
	}
	// A fetch that fails is a ReconcileFailed Event, an apply the API
	// server refuses a SyncFailed one; each names what failed.
	for name, want := range map[string][2]string{"nosecret": {"ReconcileFailed", "missing-secret"}, "broken": {"SyncFailed", "broken/bad.yaml"}} {
		events := kubectl(t, "get", "events", "-n", ns, "--field-selector",
			"involvedObject.kind=Application,involvedObject.name="+name+",reason="+want[0], "-o", "jsonpath={.items[*].message}")
		if !strings.Contains(events, want[1]) {
			t.Errorf("Application %s: %s Events %q, want one naming %s", name, want[0], events, want[1])
		}
	}

	// The Secret created, the source recovers with no restart or edit.
	if _, err := env.Client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "missing-secret"},
		StringData: map[string]string{"username": gitUser, "password": gitPassword}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kubectl(t, "wait", "--for=condition=Ready", "application/nosecret", "-n", ns, "--timeout=120s")
	if _, err := env.Client.CoreV1().ConfigMaps(ns).Get(ctx, "other-settings", metav1.GetOptions{}); err != nil {
		t.Errorf("the recovered source's ConfigMap: %v", err)
	}
	if status, _, msg := ready("broken"); status != "False" {
		t.Errorf("the rejected source: Ready=%s %s", status, msg)
	}
	if out := agent.stderr.String(); strings.Contains(out, gitPassword) {
		t.Errorf("agent printed the Git password:\n%s", out)
	}
}

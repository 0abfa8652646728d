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
)

// install --shards puts one agent per shard beside the main one, and
// uninstall takes them all out; an agent reconciles only the Applications
// its label selector matches.
func TestAgentShards(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	system := "gitops-" + ns
	mustSucceed(t, gitops(t, t.TempDir(), "install", "-n", system, "--shards", "1"), "install --shards 1")
	t.Cleanup(func() { uninstallAll(t, system) })
	for name, selector := range map[string]string{"kubectl-gitops-agent": "!oamgitops.dev/shard", "kubectl-gitops-agent-shard1": "oamgitops.dev/shard=shard1"} {
		d, err := env.Client.AppsV1().Deployments(system).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("Deployment %s: %v", name, err)
		}
		if args := strings.Join(d.Spec.Template.Spec.Containers[0].Args, " "); !strings.Contains(args, "--watch-label-selector="+selector) {
			t.Errorf("Deployment %s args %q, want --watch-label-selector=%s", name, args, selector)
		}
	}

	repo := appsRepo(ctx, t, ns)
	main := startGitops(t, repo.Work, "agent", "-n", ns, "--interval", "2s", "--watch-label-selector", "!oamgitops.dev/shard")
	shard := startGitops(t, repo.Work, "agent", "-n", ns, "--interval", "2s", "--watch-label-selector", "oamgitops.dev/shard=shard1")
	apps := filepath.Join(repo.Work, "clusters/apps.yaml")
	data, err := os.ReadFile(apps)
	if err != nil {
		t.Fatal(err)
	}
	labelled := strings.Replace(string(data), "metadata: {name: apps, namespace: "+ns+"}",
		"metadata: {name: apps, namespace: "+ns+", labels: {oamgitops.dev/shard: shard1}}", 1)
	if labelled == string(data) {
		t.Fatalf("clusters/apps.yaml: no metadata line to label:\n%s", data)
	}
	if err := os.WriteFile(apps, []byte(labelled), 0o644); err != nil {
		t.Fatal(err)
	}
	kubectl(t, "apply", "-f", apps)
	kubectl(t, "wait", "--for=condition=Ready", "application/apps", "-n", ns, "--timeout=120s")
	if !strings.Contains(shard.stderr.String(), "apps/apps: applying") {
		t.Errorf("the shard1 agent did not sync its Application:\n%s", shard.stderr)
	}
	if strings.Contains(main.stderr.String(), "apps/apps") {
		t.Errorf("the main agent touched an Application of shard1:\n%s", main.stderr)
	}

	mustSucceed(t, gitops(t, t.TempDir(), "install", "--uninstall", "-n", system), "install --uninstall (no --shards)")
	eventually(t, time.Minute, "the shard agent uninstalled too", func() string {
		if _, err := env.Client.AppsV1().Deployments(system).Get(ctx, "kubectl-gitops-agent-shard1", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return "still there"
		}
		return ""
	})
}

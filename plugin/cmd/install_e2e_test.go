package cmd_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/oamgitops/kubectl-gitops/internal/testbin"
	agentpkg "github.com/oamgitops/kubectl-gitops/plugin/agent"
	"github.com/oamgitops/kubectl-gitops/plugin/cmd"
	"github.com/oamgitops/kubectl-gitops/plugin/install"
)

// install --dry-run prints the manifests of plugin/install's golden file
// and touches no cluster.
func TestInstallDryRun(t *testing.T) {
	res := testbin.Run(t, testbin.Options{Env: []string{"KUBECONFIG=" + filepath.Join(t.TempDir(), "none")}},
		filepath.Join(binDir, "kubectl-gitops"), "install", "--dry-run", "--image", "ghcr.io/oamgitops/kubectl-gitops:v0.1.0")
	mustSucceed(t, res, "install --dry-run")
	want, err := os.ReadFile("../install/testdata/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), res.Stdout); diff != "" {
		t.Errorf("install --dry-run (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff("agent image: ghcr.io/oamgitops/kubectl-gitops:v0.1.0\n", res.Stderr); diff != "" {
		t.Errorf("install --dry-run stderr (-want +got):\n%s", diff)
	}
}

// Pull mode in the cluster: install, then the agent (the built binary run
// out of cluster, the code the Deployment runs) syncs an Application
// created with kubectl apply, writes its status, brings a new commit in,
// deletes what it applied once it is deleted, and stops on SIGTERM;
// uninstall takes out what install put in.
func TestInstallAndAgent(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	dc, err := dynamic.NewForConfig(env.RESTConfig)
	if err != nil {
		t.Fatal(err)
	}
	system := "gitops-" + ns

	res := gitops(t, t.TempDir(), "install", "-n", system)
	mustSucceed(t, res, "install")
	for _, want := range []string{"CustomResourceDefinition applications.core.oam.dev created", "Deployment " + system + "/kubectl-gitops-agent created",
		"agent image: " + install.DefaultImage(cmd.Version)} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("install output lacks %q", want)
		}
	}
	if _, err := env.Client.AppsV1().Deployments(system).Get(ctx, install.AgentName, metav1.GetOptions{}); err != nil {
		t.Fatalf("the agent Deployment: %v", err)
	}
	res = gitops(t, t.TempDir(), "install", "-n", system)
	mustSucceed(t, res, "install again")
	if strings.Contains(res.Stderr, " configured") || strings.Contains(res.Stderr, " created") {
		t.Errorf("install again changed objects, want every one unchanged:\n%s", res.Stderr)
	}

	repo := appsRepo(ctx, t, ns)
	agent := startGitops(t, repo.Work, "agent", "--interval", "2s", "--drift-interval", "1m", "--health-addr", "127.0.0.1:0",
		"--metrics-addr", "127.0.0.1:0", "--leader-elect", "--leader-election-namespace", ns)
	kubectl(t, "apply", "-f", filepath.Join(repo.Work, "clusters/apps.yaml"))
	eventually(t, 2*time.Minute, "the app synced by the agent", hostIs(ctx, ns, "testsvc.example.com"))
	if _, err := env.Client.AppsV1().Deployments(ns).Get(ctx, "my-server", metav1.GetOptions{}); err != nil {
		t.Fatalf("the app's Deployment: %v", err)
	}
	checkHealth(t, agent)

	apps := dc.Resource(cmd.ApplicationResource).Namespace(ns)
	eventually(t, time.Minute, "the Application's status", func() string {
		app, err := apps.Get(ctx, "apps", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		phase, _, _ := unstructured.NestedString(app.Object, "status", "status")
		services, _, _ := unstructured.NestedSlice(app.Object, "status", "services")
		if phase != "running" || len(services) != 1 {
			return fmt.Sprintf("status %v", app.Object["status"])
		}
		s, _ := services[0].(map[string]any)
		if msg, _ := s["message"].(string); s["name"] != "apps" || s["healthy"] != true || !strings.HasPrefix(msg, "main@sha1:") {
			return fmt.Sprintf("service %v", s)
		}
		return ""
	})
	// Status people can wait on: Ready with the revision, generation observed, an Event per sync.
	kubectl(t, "wait", "--for=condition=Ready", "applications", "--all", "-n", ns, "--timeout=60s")
	app, err := apps.Get(ctx, "apps", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if g, _, _ := unstructured.NestedInt64(app.Object, "status", "observedGeneration"); g != app.GetGeneration() {
		t.Errorf("status.observedGeneration %d, want %d", g, app.GetGeneration())
	}
	if rev, _, _ := unstructured.NestedString(app.Object, "status", "lastAppliedRevision"); !strings.HasPrefix(rev, "main@sha1:") {
		t.Errorf("status.lastAppliedRevision %q", rev)
	}
	eventually(t, 30*time.Second, "a Synced Event on the Application", func() string {
		out := kubectl(t, "get", "events", "-n", ns, "--field-selector", "involvedObject.kind=Application,involvedObject.name=apps,reason=Synced", "-o", "name")
		if strings.TrimSpace(out) == "" {
			return "none yet"
		}
		return ""
	})
	checkMetrics(t, agent, `gitops_syncs_total{source="apps/apps"}`, `gitops_last_applied_revision_info{revision="main@sha1:`, "gitops_queue_depth",
		`gitops_reconcile_duration_seconds_bucket{source="apps/apps"`)
	if lease, err := env.Client.CoordinationV1().Leases(ns).Get(ctx, "kubectl-gitops-agent", metav1.GetOptions{}); err != nil || lease.Spec.HolderIdentity == nil {
		t.Errorf("the leader Lease: %v, %+v", err, lease)
	}

	table := kubectl(t, "get", "applications", "-n", ns)
	if !regexp.MustCompile(`(?m)^NAME\s+COMPONENT\s+TYPE\s+PHASE\s+HEALTHY\s+STATUS\s+AGE\n` +
		`apps\s+apps\s+kustomize\s+running\s+true\s+main@sha1:[0-9a-f]{40}\s+\S+$`).MatchString(table) {
		t.Errorf("kubectl get applications:\n%s", table)
	}

	appFile, err := os.ReadFile(filepath.Join(repo.Work, "apps/my-app.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	repo.MustWriteFiles(t, map[string]string{"apps/my-app.yaml": strings.Replace(string(appFile),
		"domain: testsvc.example.com", "domain: shop.example.com", 1)})
	repo.MustCommit(t, "apps: new domain")
	repo.MustPush(t)
	eventually(t, 2*time.Minute, "the new commit in the cluster", hostIs(ctx, ns, "shop.example.com"))

	// Deleting the Application deletes what its source applied first (the
	// agent's finalizer holds it until then), as Flux does for a Kustomization.
	if app, err := apps.Get(ctx, "apps", metav1.GetOptions{}); err != nil || !slices.Contains(app.GetFinalizers(), agentpkg.Finalizer) {
		t.Errorf("finalizers %v (%v), want the agent's", app.GetFinalizers(), err)
	}
	kubectl(t, "delete", "-f", filepath.Join(repo.Work, "clusters/apps.yaml"), "--timeout=2m")
	for what, get := range map[string]func() error{
		"Deployment my-server": func() error {
			_, err := env.Client.AppsV1().Deployments(ns).Get(ctx, "my-server", metav1.GetOptions{})
			return err
		},
		"Ingress my-server": func() error {
			_, err := env.Client.NetworkingV1().Ingresses(ns).Get(ctx, "my-server", metav1.GetOptions{})
			return err
		},
		"the inventory": func() error {
			_, err := env.Client.CoreV1().ConfigMaps(ns).Get(ctx, "gitops.apps.apps", metav1.GetOptions{})
			return err
		},
	} {
		if err := get(); !apierrors.IsNotFound(err) {
			t.Errorf("%s after the Application was deleted: %v, want it deleted", what, err)
		}
	}
	if out := kubectl(t, "get", "events", "-n", ns, "--field-selector", "involvedObject.kind=Application,involvedObject.name=apps,reason=GarbageCollected",
		"-o", "jsonpath={.items[*].message}"); !strings.Contains(out, "Deployment/"+ns+"/my-server") {
		t.Errorf("GarbageCollected Events %q, want one naming Deployment/%s/my-server", out, ns)
	}
	eventually(t, 30*time.Second, "the agent stops watching", func() string {
		if !strings.Contains(agent.stderr.String(), "no Application declares a kustomize source: nothing to watch") {
			return "no line saying so yet"
		}
		return ""
	})
	repo.MustWriteFiles(t, map[string]string{"apps/my-app.yaml": strings.Replace(string(appFile),
		"domain: testsvc.example.com", "domain: unwatched.example.com", 1)})
	repo.MustCommit(t, "apps: a commit nobody watches")
	repo.MustPush(t)
	time.Sleep(8 * time.Second) // four intervals
	if _, err := env.Client.NetworkingV1().Ingresses(ns).Get(ctx, "my-server", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("after the Application was deleted, a commit came back: %v", err)
	}

	if err := agent.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-agent.done:
	case <-time.After(time.Minute):
		t.Fatalf("agent still running a minute after SIGTERM:\n%s", agent.stderr)
	}
	if agent.err != nil {
		t.Errorf("agent after SIGTERM: %v", agent.err)
	}
	out := agent.stderr.String()
	if !strings.HasSuffix(out, "agent stopped\n") {
		t.Errorf("agent did not say it stopped:\n%s", out)
	}
	if strings.Contains(out, gitPassword) {
		t.Errorf("agent printed the Git password:\n%s", out)
	}

	res = gitops(t, t.TempDir(), "install", "--uninstall", "-n", system)
	mustSucceed(t, res, "install --uninstall")
	if _, err := env.Client.AppsV1().Deployments(system).Get(ctx, install.AgentName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the agent Deployment after uninstall: %v, want not found", err)
	}
	if _, err := dc.Resource(install.CRDResource).Get(ctx, install.CRDName, metav1.GetOptions{}); err != nil {
		t.Errorf("the CRD after uninstall without --crds: %v, want it kept", err)
	}
	mustSucceed(t, gitops(t, t.TempDir(), "install", "--uninstall", "--crds", "-n", system), "install --uninstall --crds")
	eventually(t, time.Minute, "the CRD deleted", func() string {
		if _, err := dc.Resource(install.CRDResource).Get(ctx, install.CRDName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return fmt.Sprintf("get: %v", err)
		}
		return ""
	})
}

// An Application CRD another installation owns (KubeVela's) is refused,
// and taken over with --force.
func TestInstallRefusesForeignCRD(t *testing.T) {
	env.NewNamespace(t)
	ctx := context.Background()
	dc, err := dynamic.NewForConfig(env.RESTConfig)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := install.Objects(install.DefaultOptions("dev"))
	if err != nil {
		t.Fatal(err)
	}
	crd := objs[0].DeepCopy()
	crd.SetLabels(map[string]string{"app.kubernetes.io/name": "vela-core"})
	if _, err := dc.Resource(install.CRDResource).Create(ctx, crd, metav1.CreateOptions{FieldManager: "helm"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = dc.Resource(install.CRDResource).Delete(context.Background(), install.CRDName, metav1.DeleteOptions{})
	})
	system := "gitops-foreign"
	res := gitops(t, t.TempDir(), "install", "-n", system)
	if res.Code == 0 {
		t.Fatalf("install over a foreign CRD succeeded:\n%s", res.Stderr)
	}
	want := "CustomResourceDefinition applications.core.oam.dev: the Application CRD belongs to another installation (field managers: helm)"
	if !strings.Contains(res.Stderr, want) || !strings.Contains(res.Stderr, "--force") {
		t.Errorf("install stderr lacks %q and the --force hint:\n%s", want, res.Stderr)
	}
	if _, err := env.Client.CoreV1().Namespaces().Get(ctx, system, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace %s after a refused install: %v, want nothing created", system, err)
	}
	mustSucceed(t, gitops(t, t.TempDir(), "install", "--force", "-n", system), "install --force")
	mustSucceed(t, gitops(t, t.TempDir(), "install", "--uninstall", "--crds", "-n", system), "install --uninstall --crds")
}

// kubectl runs the cluster's kubectl and returns its output.
func kubectl(t *testing.T, args ...string) string {
	t.Helper()
	res := testbin.Run(t, testbin.Options{}, env.Binaries.Kubectl, append(args, "--kubeconfig", env.Kubeconfig)...)
	if res.Code != 0 {
		t.Fatalf("kubectl %s: exit %d\n%s%s", strings.Join(args, " "), res.Code, res.Stdout, res.Stderr)
	}
	return res.Stdout
}

// checkMetrics gets the agent's /metrics and looks for each of want.
func checkMetrics(t *testing.T, agent *background, want ...string) {
	t.Helper()
	m := regexp.MustCompile(`metrics on http://(\S+)/metrics`).FindStringSubmatch(agent.stderr.String())
	if m == nil {
		t.Fatalf("the agent did not say where its metrics are:\n%s", agent.stderr)
	}
	resp, err := http.Get("http://" + m[1] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, w := range want {
		if !strings.Contains(string(body), w) {
			t.Errorf("/metrics lacks %s", w)
		}
	}
}

// checkHealth gets the agent's /healthz and /readyz, at the address it
// printed.
func checkHealth(t *testing.T, agent *background) {
	t.Helper()
	m := regexp.MustCompile(`health endpoints on http://(\S+)/healthz`).FindStringSubmatch(agent.stderr.String())
	if m == nil {
		t.Fatalf("the agent did not say where its health endpoints are:\n%s", agent.stderr)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + m[1] + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s %s", path, resp.Status, body)
		}
	}
}

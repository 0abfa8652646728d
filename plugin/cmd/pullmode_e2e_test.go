package cmd_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oamgitops/kubectl-gitops/test/cluster"
	"github.com/oamgitops/kubectl-gitops/test/registry"
)

// The walkthrough in pull mode with the agent as a Pod on the real node,
// from the image this repository builds: install, apply the infra and
// apps Applications, wait for Ready (the operator before the MysqlCluster), a commit reaches the cluster, the agent Pod deleted
// loses nothing, uninstall leaves the workloads.
func TestPullModeOnRealNode(t *testing.T) {
	ns := env.NewNamespace(t)
	if !env.HasRealNode() {
		t.Skip("needs the real node of test/cluster (root)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	system := "gitops-" + ns

	// The image, built here and pushed to a registry on loopback.
	reg, err := registry.New(registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	if err := env.AllowRegistry(reg.Addr()); err != nil {
		t.Fatal(err)
	}
	image := reg.Repository("kubectl-gitops") + ":e2e"
	layout := filepath.Join(t.TempDir(), "image")
	for _, args := range [][]string{{"build", "-platforms", "linux/amd64", "-version", "e2e", "-out", layout}, {"push", "-from", layout, "-image", image}} {
		cmd := exec.CommandContext(ctx, "go", append([]string{"run", "./hack/image"}, args...)...)
		cmd.Dir = "../.."
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("hack/image %s: %v\n%s", args[0], err, out)
		}
	}

	ports := freeLocalPorts(t, 2)
	apiPort := env.Server[strings.LastIndex(env.Server, ":")+1:]
	res := gitops(t, t.TempDir(), "install", "-n", system, "--image", image, "--image-pull-policy", "IfNotPresent",
		"--host-network", "--env", "KUBERNETES_SERVICE_HOST=127.0.0.1", "--env", "KUBERNETES_SERVICE_PORT="+apiPort,
		"--node-selector", cluster.RealNodeName+"=true", "--tolerations", cluster.RealNodeName+":NoSchedule",
		"--health-port", strconv.Itoa(ports[0]), "--metrics-port", strconv.Itoa(ports[1]), "--replicas", "2")
	mustSucceed(t, res, "install")
	t.Cleanup(func() { uninstallAll(t, system) })
	kubectl(t, "rollout", "status", "deployment/kubectl-gitops-agent", "-n", system, "--timeout=180s")
	pods := kubectl(t, "get", "pods", "-n", system, "-o", "jsonpath={range .items[*]}{.spec.nodeName} {.status.phase}{\"\\n\"}{end}")
	if strings.Count(pods, cluster.RealNodeName+" Running") != 2 {
		t.Fatalf("want both agent replicas Running on the real node:\n%s", pods)
	}
	leader := func() string {
		lease, err := env.Client.CoordinationV1().Leases(system).Get(ctx, "kubectl-gitops-agent", metav1.GetOptions{})
		if err != nil || lease.Spec.HolderIdentity == nil {
			return ""
		}
		return *lease.Spec.HolderIdentity
	}
	eventually(t, time.Minute, "one replica holding the Lease", func() string {
		if leader() == "" {
			return "no holder"
		}
		return ""
	})

	// The seed's config repo and the CI's image registry; the source is
	// pulled every few seconds instead of the seed's minute.
	seedRepo := newImageSeed(t, func(name, text string) string {
		return strings.Replace(clusterSecrets(ns)(name, text), "pullInterval: 1m", "pullInterval: 3s", 1)
	})
	seedRepo.addInfra(ctx, t, ns)
	seedRepo.createSecrets(ctx, t, ns)
	repo := seedRepo.repo
	kubectl(t, "apply", "-f", filepath.Join(repo.Work, "clusters/infra.yaml"), "-f", filepath.Join(repo.Work, "clusters/apps.yaml"))
	kubectl(t, "wait", "--for=condition=Ready", "applications", "--all", "-n", ns, "--timeout=240s")
	infraInOrder(ctx, t, ns)
	checkSealedSecret(ctx, t, ns) // decrypted by the agent with the keys of sops-age
	if msg := hostIs(ctx, ns, "testsvc.example.com")(); msg != "" {
		t.Fatalf("after Ready: %s", msg)
	}
	table := gitops(t, repo.Work, "ls", "-n", ns)
	for _, row := range []string{
		`^apps\s+apps\s+kustomize\s+running\s+healthy\s+main@sha1:`,
		`^infra\s+database-config\s+kustomize\s+running\s+healthy\s+main@sha1:`,
		`^my-app\s+my-server\s+webservice\s+.*running\s+healthy`,
		`^mysql\s+mysql-controller\s+helm\s+running\s+healthy`,
		`^└─\s+mysql-cluster\s+raw\s+running\s+healthy`,
	} {
		if !regexp.MustCompile(`(?m)` + row).MatchString(table.Stdout) {
			t.Errorf("kubectl gitops ls lacks a row matching %s:\n%s%s", row, table.Stdout, table.Stderr)
		}
	}

	// A commit reaches the cluster.
	appFile, err := os.ReadFile(filepath.Join(repo.Work, "apps/my-app.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	commit := func(domain string) {
		repo.MustWriteFiles(t, map[string]string{"apps/my-app.yaml": strings.Replace(string(appFile), "domain: testsvc.example.com", "domain: "+domain, 1)})
		repo.MustCommit(t, "apps: domain "+domain)
		repo.MustPush(t)
	}
	commit("shop.example.com")
	eventually(t, 2*time.Minute, "the commit in the cluster", hostIs(ctx, ns, "shop.example.com"))

	// The leader's Pod deleted: the other replica takes the Lease and carries on.
	first := leader()
	pod, _, _ := strings.Cut(first, "_") // the identity is <pod name>_<pid>
	kubectl(t, "delete", "pod", pod, "-n", system, "--wait=true")
	eventually(t, 2*time.Minute, "the other replica leading", func() string {
		if l := leader(); l == "" || l == first {
			return "holder " + l
		}
		return ""
	})
	kubectl(t, "rollout", "status", "deployment/kubectl-gitops-agent", "-n", system, "--timeout=180s")
	commit("store.example.com")
	eventually(t, 3*time.Minute, "a commit after the agent Pod was replaced", hostIs(ctx, ns, "store.example.com"))

	// An image CI pushes is committed back to Git by the agent and rolled out.
	runs := seedRepo.runs(ctx, ns)
	if msg := runs(oldTag)(); msg != "" {
		t.Fatalf("before CI pushes: %s", msg)
	}
	seedRepo.reg.MustPush(t, "testapp", newTag)
	eventually(t, 4*time.Minute, "the tag CI pushed, committed back and rolled out", runs(newTag))
	if subject := seedRepo.serverGit(t, "log", "-1", "--format=%s"); !strings.HasPrefix(subject, "Update image automatically") || !strings.Contains(subject, newTag) {
		t.Errorf("last commit %q, want the image automation's", subject)
	}

	// Uninstall leaves what the agent applied.
	mustSucceed(t, gitops(t, t.TempDir(), "install", "--uninstall", "-n", system), "install --uninstall")
	if _, err := env.Client.AppsV1().Deployments(ns).Get(ctx, "my-server", metav1.GetOptions{}); err != nil {
		t.Errorf("the app's Deployment after uninstall: %v, want it kept", err)
	}
	eventually(t, time.Minute, "the agent gone", func() string {
		if _, err := env.Client.AppsV1().Deployments(system).Get(ctx, "kubectl-gitops-agent", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return fmt.Sprintf("agent Deployment: %v", err)
		}
		return ""
	})
}

// uninstallAll takes out what install put in, the CRD too, and waits
// until it is gone, so the next test installs into a clean cluster.
func uninstallAll(t *testing.T, system string) {
	t.Helper()
	gitops(t, t.TempDir(), "install", "--uninstall", "--crds", "-n", system)
	eventually(t, 2*time.Minute, "the Application CRD deleted", func() string {
		if _, err := env.Client.Discovery().ServerResourcesForGroupVersion("core.oam.dev/v1beta1"); err == nil {
			return "still served"
		}
		return ""
	})
}

// freeLocalPorts are n ports free on every address of this machine, for
// a hostNetwork Pod.
func freeLocalPorts(t *testing.T, n int) []int {
	t.Helper()
	var out []int
	for range n {
		l, err := net.Listen("tcp", ":0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out
}

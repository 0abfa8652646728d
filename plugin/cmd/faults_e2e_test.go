package cmd_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/oamgitops/kubectl-gitops/internal/testbin"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

// shopApp is an Application of ConfigMaps (healthy at once) plus extra
// objects; props replaces its component's properties when not empty.
func shopApp(ns, props string, objects ...string) string {
	if props == "" {
		props = "objects:\n" + strings.Join(objects, "")
	}
	return fmt.Sprintf(`apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: shop, namespace: %s}
spec:
  components:
    - name: config
      type: k8s-objects
      properties:
        %s
`, ns, strings.ReplaceAll(strings.TrimSpace(props), "\n", "\n        "))
}

func configMap(name, value string) string {
	return fmt.Sprintf("  - {apiVersion: v1, kind: ConfigMap, metadata: {name: %s}, data: {v: %q}}\n", name, value)
}

func service(name string, port int) string {
	return fmt.Sprintf("  - {apiVersion: v1, kind: Service, metadata: {name: %s}, spec: {ports: [{port: %d}]}}\n", name, port)
}

// Each fault fails the sync with a message naming the source and what is
// wrong, changes nothing in the cluster (no prune, the inventory keeps the
// last good revision), and the next good run recovers.
func TestSyncFaultsKeepTheLastGoodState(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	srv := gitserver.Start(t, gitserver.Options{Username: gitUser, Password: gitPassword})
	repo := srv.MustCreate(t, "shop")
	push := func(app string) {
		t.Helper()
		repo.MustWriteFiles(t, map[string]string{"app/app.yaml": app})
		repo.MustCommit(t, "shop")
		repo.MustPush(t)
	}
	creds := []string{"GIT_USERNAME=" + gitUser, "GIT_PASSWORD=" + gitPassword}
	flags := func(url string) []string {
		return []string{"--repo", url, "--name", "shop", "--branch", "main", "--path", "app", "-n", ns, "--timeout", "30s"}
	}
	args := append([]string{"sync"}, flags(srv.URL("shop"))...)

	push(shopApp(ns, "", configMap("a", "1"), configMap("b", "1")))
	mustSucceed(t, gitopsEnv(t, t.TempDir(), creds, args...), "first sync")
	good := revision(ctx, t, ns)

	// unchanged checks that the fault changed nothing: a and b as first
	// synced, the revision that of the first sync.
	unchanged := func(what string) {
		t.Helper()
		for _, name := range []string{"a", "b"} {
			cm, err := env.Client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Errorf("%s: ConfigMap %s: %v", what, name, err)
			} else if cm.Data["v"] != "1" {
				t.Errorf("%s: ConfigMap %s changed to %q", what, name, cm.Data["v"])
			}
		}
		if got := revision(ctx, t, ns); got != good {
			t.Errorf("%s: inventory revision %q, want the last good %q", what, got, good)
		}
	}
	failsWith := func(what string, res testbin.Result, wants ...string) {
		t.Helper()
		mustFail(t, res, what, wants...)
		unchanged(what)
	}

	// A new commit that removes b is in Git for every fault below: had
	// anything been applied half-way, b would be pruned.
	push(shopApp(ns, "", configMap("a", "2")))

	res := gitopsEnv(t, t.TempDir(), creds, append([]string{"sync"}, flags("http://127.0.0.1:1/shop.git")...)...)
	failsWith("unreachable Git server", res, "source shop (http://127.0.0.1:1/shop.git)", "check the URL and that the server is up")

	wrong := []string{"GIT_USERNAME=" + gitUser, "GIT_PASSWORD=not-the-password"}
	res = gitopsEnv(t, t.TempDir(), wrong, args...)
	failsWith("wrong credentials", res, "source shop", "check the username/password")
	if strings.Contains(res.Stderr+res.Stdout, "not-the-password") {
		t.Errorf("wrong credentials: the password is printed:\n%s", res.Stderr)
	}

	res = gitopsKubeconfig(t, badKubeconfig(t), creds, args...)
	failsWith("unreachable API server", res, "cannot reach the cluster at https://127.0.0.1:1", "check --kubeconfig")

	push(shopApp(ns, "objects: not-a-list"))
	res = gitopsEnv(t, t.TempDir(), creds, args...)
	failsWith("render error", res, "source shop", "app/app.yaml: Application "+ns+"/shop: spec.components[0].properties.objects", "nothing applied")

	push(shopApp(ns, "", configMap("a", "2"), service("bad", 70000)))
	res = gitopsEnv(t, t.TempDir(), creds, args...)
	failsWith("object the API server rejects", res, "source shop", "app/app.yaml: Service/"+ns+"/bad", "spec.ports[0].port")

	push(shopApp(ns, "", configMap("a", "2"), service("good", 8080)))
	mustSucceed(t, gitopsEnv(t, t.TempDir(), creds, args...), "sync after the fix")
	if got := revision(ctx, t, ns); got == good || got == "" {
		t.Errorf("revision after the fix %q, want a new one", got)
	}
	if _, err := env.Client.CoreV1().ConfigMaps(ns).Get(ctx, "b", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("ConfigMap b after the fix: %v, want it pruned", err)
	}
	if _, err := env.Client.CoreV1().Services(ns).Get(ctx, "good", metav1.GetOptions{}); err != nil {
		t.Errorf("Service good after the fix: %v", err)
	}
}

// revision is the revision the inventory of the source "shop" records.
func revision(ctx context.Context, t *testing.T, ns string) string {
	t.Helper()
	inv, err := env.Client.CoreV1().ConfigMaps(ns).Get(ctx, "gitops.shop", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("inventory: %v", err)
	}
	return inv.Annotations["oamgitops.dev/revision"]
}

// badKubeconfig is the test cluster's kubeconfig pointing at a closed port.
func badKubeconfig(t *testing.T) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(env.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cfg.Clusters {
		c.Server = "https://127.0.0.1:1"
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// gitopsKubeconfig runs the plugin with another kubeconfig.
func gitopsKubeconfig(t *testing.T, kubeconfig string, extraEnv []string, args ...string) testbin.Result {
	t.Helper()
	args = append(args, "--kubeconfig", kubeconfig)
	res := testbin.Run(t, testbin.Options{Dir: t.TempDir(), Env: append([]string{"XDG_CACHE_HOME=" + cacheDir(t)}, extraEnv...)},
		filepath.Join(binDir, "kubectl-gitops"), args...)
	t.Logf("kubectl gitops %s: exit %d\n%s%s", strings.Join(args, " "), res.Code, res.Stderr, res.Stdout)
	if strings.Contains(res.Stdout+res.Stderr, gitPassword) {
		t.Fatalf("the Git password is printed:\n%s", res.Stderr)
	}
	return res
}

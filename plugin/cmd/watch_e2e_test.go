package cmd_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

// appsRepo pushes a small config repo for namespace ns to a new Git server
// with basic auth: the seed's apps/my-app.yaml, clusters/apps.yaml
// declaring it as a source without a pullInterval (so --interval rules),
// and clusters/root.yaml declaring platform/, whose build declares the
// same apps source again, nested. It creates the Secrets the seed asks
// for in ns.
func appsRepo(ctx context.Context, t *testing.T, ns string) *gitserver.Repo {
	t.Helper()
	srv := gitserver.Start(t, gitserver.Options{Username: gitUser, Password: gitPassword})
	repo := srv.MustCreate(t, "config")
	myApp, err := os.ReadFile("../../testdata/seed-repo/apps/my-app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	source := func(app, component, path string) string {
		return `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: ` + app + `, namespace: ` + ns + `}
spec:
  components:
    - name: ` + component + `
      type: kustomize
      properties:
        repoType: git
        url: ` + srv.URL("config") + `
        secretRef: git-secret
        git: {branch: main}
        path: ` + path + "\n"
	}
	repo.MustWriteFiles(t, map[string]string{
		"apps/my-app.yaml":   strings.ReplaceAll(string(myApp), "namespace: default", "namespace: "+ns),
		"clusters/apps.yaml": source("apps", "apps", "./apps"),
		"clusters/root.yaml": source("root", "platform", "./platform"),
		"platform/apps.yaml": source("apps", "apps", "./apps"),
		"platform/cm.yaml":   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: platform-settings, namespace: " + ns + "}\ndata: {tier: gold}\n",
	})
	repo.MustCommit(t, "config")
	repo.MustPush(t)
	for _, s := range []*corev1.Secret{
		{ObjectMeta: metav1.ObjectMeta{Name: "git-secret"}, StringData: map[string]string{"username": gitUser, "password": gitPassword}},
		{ObjectMeta: metav1.ObjectMeta{Name: "mysql-secret"}, StringData: map[string]string{"ROOT_PASSWORD": "root-pw"}},
	} {
		if _, err := env.Client.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return repo
}

// background is the plugin running in the background.
type background struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan struct{}
	err    error
}

// lockedBuffer is a bytes.Buffer the process writes while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startGitops starts the built plugin in dir against the test cluster and
// stops it (SIGKILL) when the test ends, if it still runs.
func startGitops(t *testing.T, dir string, args ...string) *background {
	t.Helper()
	return startGitopsWith(t, dir, env.Kubeconfig, args...)
}

// startGitopsWith is startGitops with another kubeconfig.
func startGitopsWith(t *testing.T, dir, kubeconfig string, args ...string) *background {
	t.Helper()
	args = append(args, "--kubeconfig", kubeconfig)
	cmd := exec.Command(filepath.Join(binDir, "kubectl-gitops"), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cacheDir(t))
	b := &background{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = b.stderr, b.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		b.err = cmd.Wait()
		close(b.done)
	}()
	t.Cleanup(func() {
		select {
		case <-b.done:
		default:
			_ = cmd.Process.Kill()
			<-b.done
		}
		t.Logf("kubectl gitops %s:\n%s", strings.Join(args[:len(args)-2], " "), b.stderr)
	})
	return b
}

// stop sends SIGINT and returns the exit status.
func (b *background) stop(t *testing.T) int {
	t.Helper()
	if err := b.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.done:
	case <-time.After(time.Minute):
		t.Fatalf("still running a minute after SIGINT:\n%s", b.stderr)
	}
	var exit *exec.ExitError
	if errors.As(b.err, &exit) {
		return exit.ExitCode()
	}
	if b.err != nil {
		t.Fatal(b.err)
	}
	return 0
}

// eventually polls check every second until it returns "" or timeout
// passes, then fails with its last message.
func eventually(t *testing.T, timeout time.Duration, what string, check func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %s", what, timeout, msg)
		}
		time.Sleep(time.Second)
	}
}

// hostIs checks the host of Ingress my-server in ns.
func hostIs(ctx context.Context, ns, want string) func() string {
	return func() string {
		ing, err := env.Client.NetworkingV1().Ingresses(ns).Get(ctx, "my-server", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if len(ing.Spec.Rules) == 0 || ing.Spec.Rules[0].Host != want {
			return fmt.Sprintf("Ingress rules %+v, want host %s", ing.Spec.Rules, want)
		}
		return ""
	}
}

func gitIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=test", "-c", "user.email=test@example.com"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// watch --once is one sync pass; watch in the background brings a new
// commit to the cluster, then its revert, repairs an object edited by
// hand, and stops cleanly on SIGINT.
func TestWatch(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	repo := appsRepo(ctx, t, ns)

	res := gitops(t, repo.Work, "watch", "--once", "clusters/apps.yaml")
	mustSucceed(t, res, "watch --once")
	for _, want := range []string{"apps/apps: syncing main@sha1:", "apps/apps: healthy at main@sha1:"} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("watch --once progress lacks %q:\n%s", want, res.Stderr)
		}
	}
	if msg := hostIs(ctx, ns, "testsvc.example.com")(); msg != "" {
		t.Fatalf("after watch --once: %s", msg)
	}

	w := startGitops(t, repo.Work, "watch", "clusters/apps.yaml", "--interval", "2s", "--drift-interval", "4s")
	eventually(t, time.Minute, "first pass", func() string {
		if !strings.Contains(w.stderr.String(), "apps/apps: up to date at main@sha1:") {
			return "no up to date line yet"
		}
		return ""
	})

	app, err := os.ReadFile(filepath.Join(repo.Work, "apps/my-app.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	repo.MustWriteFiles(t, map[string]string{"apps/my-app.yaml": strings.Replace(string(app),
		"domain: testsvc.example.com", "domain: shop.example.com", 1)})
	commit := repo.MustCommit(t, "apps: new domain")
	repo.MustPush(t)
	eventually(t, 2*time.Minute, "the new domain in the cluster", hostIs(ctx, ns, "shop.example.com"))
	newRevision := regexp.MustCompile(`apps/apps: new revision main@sha1:` + commit + ` \(was main@sha1:[0-9a-f]{40}\)`)
	if !newRevision.MatchString(w.stderr.String()) {
		t.Errorf("progress lacks %q:\n%s", newRevision, w.stderr)
	}

	gitIn(t, repo.Work, "revert", "--no-edit", "HEAD")
	repo.MustPush(t)
	eventually(t, 2*time.Minute, "the revert in the cluster", hostIs(ctx, ns, "testsvc.example.com"))

	ing, err := env.Client.NetworkingV1().Ingresses(ns).Get(ctx, "my-server", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ing.Spec.Rules[0].Host = "by-hand.example.com"
	if _, err := env.Client.NetworkingV1().Ingresses(ns).Update(ctx, ing, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "drift repaired", hostIs(ctx, ns, "testsvc.example.com"))
	eventually(t, 10*time.Second, "the drift reported", func() string {
		if want := "apps/apps: drift repaired: Ingress/" + ns + "/my-server configured"; !strings.Contains(w.stderr.String(), want) {
			return "progress lacks " + want
		}
		return ""
	})

	if code := w.stop(t); code != 0 {
		t.Errorf("watch exited %d after SIGINT, want 0", code)
	}
	out := w.stderr.String()
	if !strings.HasSuffix(out, "watch stopped\n") {
		t.Errorf("watch did not say it stopped:\n%s", out)
	}
	if strings.Contains(out, gitPassword) {
		t.Errorf("watch printed the Git password:\n%s", out)
	}
	if strings.Contains(out, "failed") {
		t.Errorf("a step failed:\n%s", out)
	}
}

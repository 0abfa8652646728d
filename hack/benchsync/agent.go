package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/oamgitops/kubectl-gitops/plugin/install"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

// The agent side's settings: the intervals bound the commit-to-cluster
// time and set how many drift checks the no-op window sees.
const (
	agentNamespace = "gitops-bench"
	agentInterval  = time.Minute
	agentDrift     = 2 * time.Minute
	noopWindow     = 5 * time.Minute
)

// agentResult is what the agent measured with one layout of the sources.
type agentResult struct {
	// Layout is "each" (one source per file of Applications) or "one"
	// (one source holding them all); Sources counts them.
	Layout  string
	Sources int
	Start   time.Duration
	// ToReady is from `kubectl apply` of the Applications declaring the
	// sources to `kubectl wait --for=condition=Ready` returning for all.
	ToReady time.Duration
	// CommitToCluster is from a push to Git to the object it adds being
	// in the cluster (at most the pull interval plus a sync).
	CommitToCluster time.Duration
	// NoopWrites are the API writes (to what the sources apply, the
	// Applications, ConfigMaps and Events) in NoopWindow with nothing
	// changed: pulls and drift checks only.
	NoopWrites requestTally
	NoopWindow time.Duration
	// Agent is the agent process over the whole run: CPU, peak RSS.
	Agent  usage
	Failed string
}

// perHour is NoopWrites scaled to an hour.
func (r agentResult) perHour() float64 {
	if r.NoopWindow == 0 {
		return 0
	}
	return float64(r.NoopWrites.total()) * float64(time.Hour) / float64(r.NoopWindow)
}

// agentSide runs `kubectl gitops agent` against a fresh cluster whose
// Applications declare the sources in the given layout.
func (b *bench) agentSide(ctx context.Context, layout string) (r agentResult, err error) {
	r.Layout = layout
	files, err := appFiles(b.appsDir)
	if err != nil {
		return r, err
	}
	srv, err := gitserver.New(gitserver.Options{Root: filepath.Join(b.work, "git-agent-"+layout)})
	if err != nil {
		return r, err
	}
	defer func() { err = errors.Join(err, srv.Close()) }()
	repo, err := pushAgentApps(srv, b.appsDir, files)
	if err != nil {
		return r, err
	}
	b.step("agent (%s): starting a fresh cluster", layout)
	bc, err := startCluster(ctx, b.objs, b.progress)
	if err != nil {
		return r, err
	}
	defer func() { err = errors.Join(err, bc.Stop()) }()
	r.Start = bc.Start
	if _, err := bc.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: agentNamespace}}, metav1.CreateOptions{}); err != nil {
		return r, err
	}
	out, err := os.Create(filepath.Join(b.run.logDir, "agent-"+layout+".out"))
	if err != nil {
		return r, err
	}
	defer out.Close()
	kubectl := func(label string, args ...string) (usage, error) {
		return b.run.run(ctx, label, out, nil, bc.Binaries.Kubectl, append([]string{"--kubeconfig=" + bc.Kubeconfig}, args...)...)
	}
	crd, decl := filepath.Join(b.work, "crd.yaml"), filepath.Join(b.work, "applications-"+layout+".yaml")
	if err := writeCRD(crd); err != nil {
		return r, err
	}
	if _, err := kubectl("agent-crd-"+layout, "apply", "--server-side", "-f", crd); err != nil {
		return r, err
	}
	if r.Sources, err = writeDeclarations(decl, srv.URL("config"), layout, files); err != nil {
		return r, err
	}

	agent, err := b.startAgent(ctx, layout, bc.Kubeconfig)
	if err != nil {
		return r, err
	}
	defer func() {
		u, stopErr := agent.stop()
		r.Agent = u
		err = errors.Join(err, stopErr)
	}()

	b.step("agent (%s): kubectl apply of %d Applications declaring %d sources, then wait for all Ready", layout, r.Sources, r.Sources)
	start := time.Now()
	if _, err := kubectl("agent-apply-"+layout, "apply", "--server-side", "-f", decl); err != nil {
		return r, err
	}
	if b.profile {
		defer cpuProfile(ctx, agent.addr, time.Minute, b.run.logDir, "agent-"+layout+"-sync.pprof", b.progress)()
	}
	if _, err := kubectl("agent-wait-"+layout, "wait", "--for=condition=Ready", "applications", "--all", "-n", agentNamespace,
		"--timeout="+b.timeout.String()); err != nil {
		return r, err
	}
	r.ToReady = time.Since(start)
	b.step("agent (%s): all Ready after %s", layout, r.ToReady.Round(time.Second))

	dir := "apps"
	if layout == "each" {
		dir = "each/" + strings.TrimSuffix(files[0], ".yaml")
	}
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bench-commit, namespace: " + agentNamespace + "}\ndata: {at: now}\n"
	if err := repo.WriteFiles(map[string]string{dir + "/zz-bench-commit.yaml": cm}); err != nil {
		return r, err
	}
	commit, err := repo.Commit("bench: one more object")
	if err != nil {
		return r, err
	}
	start = time.Now()
	if err := repo.Push(); err != nil {
		return r, err
	}
	if err := poll(ctx, 2*agentInterval+b.timeout, "the commit in the cluster", func() (bool, error) {
		_, err := bc.Client.CoreV1().ConfigMaps(agentNamespace).Get(ctx, "bench-commit", metav1.GetOptions{})
		return err == nil, nil
	}); err != nil {
		return r, err
	}
	r.CommitToCluster = time.Since(start)
	b.step("agent (%s): the commit reached the cluster after %s (pull interval %s)", layout, r.CommitToCluster.Round(time.Second), agentInterval)

	// A commit is a new revision of every source of the repository: wait
	// until each has synced it, so the window below sees no change at all.
	if err := allApplied(ctx, bc, commit, 2*agentInterval+b.timeout); err != nil {
		return r, err
	}
	b.step("agent (%s): counting API writes for %s with nothing changed (drift checks every %s)", layout, noopWindow, agentDrift)
	if b.profile {
		defer cpuProfile(ctx, agent.addr, 2*time.Minute, b.run.logDir, "agent-"+layout+"-quiet.pprof", b.progress)()
	}
	counts, err := bc.meter.during(ctx, func() error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(noopWindow):
			return nil
		}
	})
	watched := map[schema.GroupResource]bool{{Group: "core.oam.dev", Resource: "applications"}: true,
		{Resource: "configmaps"}: true, {Resource: "events"}: true, {Group: "events.k8s.io", Resource: "events"}: true}
	for gr := range bc.applied {
		watched[gr] = true
	}
	r.NoopWrites, r.NoopWindow = counts.tally(watched), noopWindow
	return r, err
}

// allApplied waits until every Application's lastAppliedRevision is commit.
func allApplied(ctx context.Context, bc *benchCluster, commit string, timeout time.Duration) error {
	dc, err := dynamic.NewForConfig(bc.RESTConfig)
	if err != nil {
		return err
	}
	apps := dc.Resource(schema.GroupVersionResource{Group: "core.oam.dev", Version: "v1beta1", Resource: "applications"}).Namespace(agentNamespace)
	return poll(ctx, timeout, "every source at the new commit", func() (bool, error) {
		list, err := apps.List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, a := range list.Items {
			rev, _, _ := unstructured.NestedString(a.Object, "status", "lastAppliedRevision")
			if !strings.HasSuffix(rev, commit) {
				return false, nil
			}
		}
		return true, nil
	})
}

// appFiles are the files of Applications in dir, sorted.
func appFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".yaml") {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("no Applications in %s", dir)
	}
	return out, nil
}

// pushAgentApps pushes the files twice: all under apps/ (one source) and
// each in its own directory each/<name>/ (a source per file).
func pushAgentApps(srv *gitserver.Server, dir string, files []string) (*gitserver.Repo, error) {
	repo, err := srv.Create("config")
	if err != nil {
		return nil, err
	}
	tree := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return nil, err
		}
		tree["apps/"+f] = string(data)
		tree["each/"+strings.TrimSuffix(f, ".yaml")+"/"+f] = string(data)
	}
	if err := repo.WriteFiles(tree); err != nil {
		return nil, err
	}
	if _, err := repo.Commit("benchmark Applications"); err != nil {
		return nil, err
	}
	return repo, repo.Push()
}

// writeCRD writes the Application CRD install applies.
func writeCRD(path string) error {
	objs, err := install.Objects(install.DefaultOptions("dev"))
	if err != nil {
		return err
	}
	data, err := install.WriteYAML(objs[:1])
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// writeDeclarations writes the Applications that declare the sources and
// returns how many sources they declare.
func writeDeclarations(path, url, layout string, files []string) (int, error) {
	var b strings.Builder
	app := func(name, dir string) {
		fmt.Fprintf(&b, "---\napiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: %s, namespace: %s}\n"+
			"spec:\n  components:\n    - name: src\n      type: kustomize\n      properties: {url: %q, git: {branch: main}, path: %s}\n",
			name, agentNamespace, url, dir)
	}
	n := 1
	if layout == "one" {
		app("all", "./apps")
	} else {
		for i, f := range files {
			app("src-"+strconv.Itoa(i), "./each/"+strings.TrimSuffix(f, ".yaml"))
		}
		n = len(files)
	}
	return n, os.WriteFile(path, []byte(b.String()), 0o644)
}

// runningAgent is the agent under GNU time.
type runningAgent struct {
	cmd    *exec.Cmd
	rusage string
	// addr serves the agent's metrics and profiles with -profile.
	addr string
	done chan error
}

func (b *bench) startAgent(ctx context.Context, layout, kubeconfig string) (*runningAgent, error) {
	rusage := filepath.Join(b.run.logDir, "agent-"+layout+".rusage")
	stderr, err := os.Create(filepath.Join(b.run.logDir, "agent-"+layout+".err"))
	if err != nil {
		return nil, err
	}
	args := []string{"agent", "--kubeconfig", kubeconfig,
		"-n", agentNamespace, "--interval", agentInterval.String(), "--drift-interval", agentDrift.String(),
		"--image-interval", "0", "--timeout", b.timeout.String()}
	var addr string
	if b.profile {
		if addr, err = freeAddr(); err != nil {
			return nil, err
		}
		args = append(args, "--metrics-addr", addr, "--pprof")
	}
	cmd := exec.CommandContext(ctx, b.run.time, append([]string{"-v", "-o", rusage, b.gitops}, args...)...)
	cmd.Stdout, cmd.Stderr = io.Discard, &stampWriter{w: stderr, start: time.Now()}
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+filepath.Join(b.work, "agent-cache-"+layout))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		stderr.Close()
		return nil, err
	}
	a := &runningAgent{cmd: cmd, rusage: rusage, addr: addr, done: make(chan error, 1)}
	go func() {
		a.done <- cmd.Wait()
		stderr.Close()
	}()
	return a, nil
}

// stop sends SIGTERM to the agent (not to time, which reports when its
// child exits) and reads what it cost.
func (a *runningAgent) stop() (usage, error) {
	children, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", a.cmd.Process.Pid, a.cmd.Process.Pid))
	for _, pid := range strings.Fields(string(children)) {
		if n, err := strconv.Atoi(pid); err == nil {
			_ = syscall.Kill(n, syscall.SIGTERM)
		}
	}
	select {
	case <-a.done:
	case <-time.After(time.Minute):
		_ = syscall.Kill(-a.cmd.Process.Pid, syscall.SIGKILL)
		<-a.done
		return usage{}, errors.New("the agent did not stop within a minute of SIGTERM")
	}
	return readRusage(a.rusage)
}

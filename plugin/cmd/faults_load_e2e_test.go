package cmd_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oamgitops/kubectl-gitops/test/gitserver"
	"github.com/oamgitops/kubectl-gitops/test/registry"
)

// fleetSize is how many Applications the faults-under-load test syncs.
const fleetSize = 200

// fleetPruned are the sources whose second object leaves Git at r2.
const fleetPruned = 10

// fleet is a config repository of fleetSize Applications, each a source
// of its own (apps/NNN: ConfigMap cm-NNN, and for the first fleetPruned
// an extra-NNN that r2 removes), and the revision marker each commit
// writes into every cm-NNN.
type fleet struct {
	srv  *gitserver.Server
	repo *gitserver.Repo
	ns   string
	// markers maps a commit to the marker its cm-NNN hold.
	mu      sync.Mutex
	markers map[string]string
}

func newFleet(t *testing.T, ns string) *fleet {
	t.Helper()
	f := &fleet{ns: ns, markers: map[string]string{}}
	f.srv = gitserver.Start(t, gitserver.Options{Username: gitUser, Password: gitPassword})
	f.repo = f.srv.MustCreate(t, "fleet")
	files := map[string]string{}
	for i := range fleetSize {
		files[fmt.Sprintf("clusters/%03d.yaml", i)] = fmt.Sprintf("apiVersion: core.oam.dev/v1beta1\nkind: Application\n"+
			"metadata: {name: app-%03d, namespace: %s}\nspec:\n  components:\n"+
			"    - {name: src, type: kustomize, properties: {url: %s, secretRef: git-secret, git: {branch: main}, path: ./apps/%03d}}\n",
			i, ns, f.srv.URL("fleet"), i)
		if i < fleetPruned {
			files[fmt.Sprintf("apps/%03d/extra.yaml", i)] = fleetConfigMap(fmt.Sprintf("extra-%03d", i), ns, "kept until r2")
		}
	}
	f.repo.MustWriteFiles(t, files)
	f.commit(t, "r1")
	return f
}

func fleetConfigMap(name, ns, rev string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: %s}\ndata: {rev: %q}\n", name, ns, rev)
}

// commit writes marker into every cm-NNN (r2 also removes the extras),
// commits and pushes (to the bare repository: also while the server's
// HTTP is failing).
func (f *fleet) commit(t *testing.T, marker string) {
	t.Helper()
	files := map[string]string{}
	for i := range fleetSize {
		files[fmt.Sprintf("apps/%03d/cm.yaml", i)] = fleetConfigMap(fmt.Sprintf("cm-%03d", i), f.ns, marker)
	}
	f.repo.MustWriteFiles(t, files)
	if marker == "r2" {
		for i := range fleetPruned {
			if err := removeFile(f.repo, fmt.Sprintf("apps/%03d/extra.yaml", i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	sha := f.repo.MustCommit(t, "fleet "+marker)
	f.repo.MustPush(t)
	f.mu.Lock()
	f.markers[sha] = marker
	f.mu.Unlock()
}

// state reads what the cluster holds: the marker of each cm-NNN, which
// extras exist, and the marker of the revision each inventory records.
func (f *fleet) state(ctx context.Context) (cms, inventories map[string]string, extras int, err error) {
	// Inventories first: what one records must already be applied.
	list, err := env.Client.CoreV1().ConfigMaps(f.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil, 0, err
	}
	cms, inventories = map[string]string{}, map[string]string{}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, cm := range list.Items {
		if n, ok := strings.CutPrefix(cm.Name, "gitops.app-"); ok {
			rev := cm.Annotations["oamgitops.dev/revision"]
			_, sha, _ := strings.Cut(rev, "@sha1:")
			inventories[strings.TrimSuffix(n, ".src")] = f.markers[sha]
		}
	}
	objects, err := env.Client.CoreV1().ConfigMaps(f.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil, 0, err
	}
	for _, cm := range objects.Items {
		if n, ok := strings.CutPrefix(cm.Name, "cm-"); ok {
			cms[n] = cm.Data["rev"]
		}
		if strings.HasPrefix(cm.Name, "extra-") {
			extras++
		}
	}
	return cms, inventories, extras, nil
}

// at says how far the cluster is from marker everywhere ("" when there).
func (f *fleet) at(ctx context.Context, marker string) func() string {
	return func() string {
		cms, invs, extras, err := f.state(ctx)
		if err != nil {
			return err.Error()
		}
		var behind []string
		for i := range fleetSize {
			n := fmt.Sprintf("%03d", i)
			if cms[n] != marker || invs[n] != marker {
				behind = append(behind, fmt.Sprintf("app-%s (object at %q, inventory at %q)", n, cms[n], invs[n]))
			}
		}
		wantExtras := 0
		if marker == "r1" {
			wantExtras = fleetPruned
		}
		if len(behind) > 0 || extras != wantExtras {
			n := len(behind)
			if n > 5 {
				behind = append(behind[:5], "...")
			}
			return fmt.Sprintf("%d of %d sources not at %s (%s); %d extras, want %d", n, fleetSize, marker, strings.Join(behind, ", "), extras, wantExtras)
		}
		return ""
	}
}

// watchInvariants checks, every half second until stop, what no fault may
// break: no cm-NNN is ever missing (each is in Git at every revision), and
// no inventory records a revision whose objects are not applied.
func (f *fleet) watchInvariants(ctx context.Context, t *testing.T) (stop func() []string) {
	var mu sync.Mutex
	var broken []string
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				return
			case <-time.After(500 * time.Millisecond):
			}
			cms, invs, _, err := f.state(ctx)
			if err != nil {
				continue // the API server may be down: that is one of the faults
			}
			mu.Lock()
			for i := range fleetSize {
				n := fmt.Sprintf("%03d", i)
				if _, ok := cms[n]; !ok && invs[n] != "" {
					broken = append(broken, "cm-"+n+" missing")
				}
				if inv := invs[n]; inv != "" && cms[n] != "" && inv > cms[n] {
					broken = append(broken, fmt.Sprintf("inventory of app-%s records %s, its object holds %s", n, inv, cms[n]))
				}
			}
			mu.Unlock()
		}
	}()
	return func() []string {
		close(done)
		<-finished
		mu.Lock()
		defer mu.Unlock()
		return broken
	}
}

// fillCacheDisk mounts a 16 MiB tmpfs over dir and fills it; it returns
// the file to remove to free it, and how to unmount it. It needs root.
func fillCacheDisk(dir string) (filler string, undo func(), err error) {
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", dir).CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("mount: %v: %s", err, out)
	}
	undo = func() { _ = exec.Command("umount", "-l", dir).Run() }
	filler = filepath.Join(dir, "filler")
	// dd stops with "No space left on device": the disk is full.
	_ = exec.Command("dd", "if=/dev/zero", "of="+filler, "bs=1M", "count=32").Run()
	if _, err := os.Stat(filler); err != nil {
		undo()
		return "", nil, err
	}
	return filler, undo, nil
}

// Faults under load: 200 Applications synced by the agent through the agent
// killed mid-apply, the API server restarted mid-sync, the Git server down
// and then answering garbage, the cache unwritable, its disk full, a CI sync racing the
// agent, and the registry of an image policy answering 500, then hanging. Throughout,
// no object in Git is lost or pruned, no inventory records a revision not
// applied; after each fault everything converges within a bound.
func TestAgentFaultsUnderLoad(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	system := "gitops-" + ns
	mustSucceed(t, gitops(t, t.TempDir(), "install", "-n", system), "install") // the CRD
	t.Cleanup(func() { uninstallAll(t, system) })
	// Beside the fleet, the seed's app with its image policy on a registry.
	seedApp := newImageSeed(t, clusterSecrets(ns))
	seedApp.createSecrets(ctx, t, ns) // git-secret (both Git servers take it), imagesecret
	runs := seedApp.runs(ctx, ns)
	f := newFleet(t, ns)
	const interval = 5 * time.Second
	agentArgs := []string{"agent", "-n", ns, "--interval", interval.String(), "--image-interval", interval.String(), "--concurrent", "8"}
	agent := startGitops(t, f.repo.Work, agentArgs...)
	kubectl(t, "apply", "-f", filepath.Join(f.repo.Work, "clusters"), "-f", filepath.Join(seedApp.repo.Work, "clusters/apps.yaml"))
	start := time.Now()
	eventually(t, 5*time.Minute, "the fleet at r1", f.at(ctx, "r1"))
	eventually(t, time.Minute, "the seed's app", runs(oldTag))
	t.Logf("%d Applications synced in %s", fleetSize, time.Since(start).Round(time.Second))
	stop := f.watchInvariants(ctx, t)

	// A bound on converging once a fault ends: one interval, the fleet's
	// syncs eight at a time, and the clients' backoff after an outage.
	converge := func(what, marker string) {
		t.Helper()
		start := time.Now()
		eventually(t, interval+time.Minute, what, f.at(ctx, marker))
		t.Logf("%s: converged %s after the fault ended", what, time.Since(start).Round(time.Second))
	}
	someAt := func(marker string) func() string {
		return func() string {
			_, invs, _, err := f.state(ctx)
			if err != nil {
				return err.Error()
			}
			for _, m := range invs {
				if m == marker {
					return ""
				}
			}
			return "none at " + marker
		}
	}

	// The agent killed mid-apply (SIGKILL: no cleanup), then started again.
	f.commit(t, "r2")
	eventually(t, time.Minute, "the agent applying r2", someAt("r2"))
	if err := agent.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-agent.done
	agent = startGitops(t, f.repo.Work, agentArgs...)
	converge("the agent killed mid-apply", "r2")

	// The API server restarted mid-sync.
	f.commit(t, "r3")
	eventually(t, time.Minute, "the agent applying r3", someAt("r3"))
	if err := env.RestartAPIServer(ctx, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	converge("the API server restarted mid-sync", "r3")

	// The Git server down, then answering garbage, while r4 waits in Git.
	for _, fault := range []gitserver.Fault{gitserver.Down, gitserver.Garbage} {
		f.srv.SetFault(fault)
		if fault == gitserver.Down {
			f.commit(t, "r4")
		}
		time.Sleep(3 * interval) // every source fails to fetch a few times
		if msg := f.at(ctx, "r3")(); msg != "" {
			t.Errorf("while the Git server fails (%d): %s", fault, msg)
		}
	}
	f.srv.SetFault(gitserver.Healthy)
	converge("the Git server failing", "r4")

	// The cache directory unwritable (immutable: root writes anyway into a
	// directory it may not write), while r5 waits in Git.
	cache := cacheDir(t)
	if out, err := exec.Command("chattr", "-R", "+i", cache).CombinedOutput(); err != nil {
		t.Logf("the unwritable cache not tried: chattr: %v: %s", err, out)
		f.commit(t, "r5")
		converge("r5 with no fault", "r5")
	} else {
		f.commit(t, "r5")
		time.Sleep(3 * interval)
		if msg := f.at(ctx, "r4")(); msg != "" {
			t.Errorf("while the cache is unwritable: %s", msg)
		}
		if out, err := exec.Command("chattr", "-R", "-i", cache).CombinedOutput(); err != nil {
			t.Fatalf("chattr -i: %v: %s", err, out)
		}
		converge("the cache unwritable", "r5")
	}

	// The cache's disk full: a small tmpfs mounted over the cache (what was
	// in it hidden, as if wiped) and filled, while r5b waits in Git.
	if full, undo, err := fillCacheDisk(filepath.Join(cache, "kubectl-gitops")); err != nil {
		t.Logf("the full cache disk not tried: %v", err)
		f.commit(t, "r5b")
		converge("r5b with no fault", "r5b")
	} else {
		t.Cleanup(undo)
		f.commit(t, "r5b")
		time.Sleep(3 * interval)
		if msg := f.at(ctx, "r5")(); msg != "" {
			t.Errorf("while the cache's disk is full: %s", msg)
		}
		if err := os.Remove(full); err != nil {
			t.Fatal(err)
		}
		converge("the cache's disk full", "r5b")
	}

	// A CI sync of one source racing the agent's syncs of the fleet.
	f.commit(t, "r6")
	res := gitops(t, f.repo.Work, "sync", "clusters/000.yaml", "-n", ns)
	mustSucceed(t, res, "the CI sync racing the agent")
	converge("a CI sync racing the agent", "r6")

	// The registry answering 500, then hanging: the fleet's syncs go on;
	// the image CI pushes once it is healthy again is rolled out.
	for i, fault := range []registry.Fault{registry.Error500, registry.Hang} {
		seedApp.reg.SetFault(fault)
		marker := fmt.Sprintf("r%d", 7+i)
		f.commit(t, marker)
		converge(fmt.Sprintf("a commit while the registry fails (%d)", fault), marker)
		if msg := runs(oldTag)(); msg != "" {
			t.Errorf("while the registry fails (%d): %s", fault, msg)
		}
	}
	seedApp.reg.SetFault(registry.Healthy)
	seedApp.reg.MustPush(t, "testapp", newTag)
	// An image pass updates repositories at once: the seed's app does not
	// wait behind the fleet's 200 sources (one repository, in turn).
	eventually(t, 2*time.Minute, "the image pushed once the registry recovered", runs(newTag))

	// Through every fault, each object was pruned at most once, and each
	// extra exactly once: a sync killed or refused mid-prune, taken up again,
	// never deletes what another already pruned (the API server's audit log
	// counts what it answered).
	deletes, err := env.Deletes()
	if err != nil {
		t.Fatal(err)
	}
	deleted, repeated := map[string]int{}, 0
	for _, d := range deletes {
		if d.Namespace != ns || d.Resource != "configmaps" {
			continue
		}
		if d.Deleted() {
			deleted[d.Name]++
		} else {
			repeated++
		}
	}
	for name, n := range deleted {
		if n > 1 {
			t.Errorf("ConfigMap %s deleted %d times", name, n)
		}
		if !strings.HasPrefix(name, "extra-") {
			t.Errorf("ConfigMap %s deleted: only the extras leave Git", name)
		}
	}
	for i := range fleetPruned {
		if name := fmt.Sprintf("extra-%03d", i); deleted[name] != 1 {
			t.Errorf("ConfigMap %s deleted %d times, want once", name, deleted[name])
		}
	}
	t.Logf("prunes: %d objects deleted once each; %d deletions answered NotFound", len(deleted), repeated)

	for _, b := range stop() {
		t.Error(b)
	}
	if out := agent.stderr.String(); strings.Contains(out, "panic") {
		t.Errorf("the agent panicked:\n%s", out)
	}
}

package agent

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/oamgitops/kubectl-gitops/catalog"
	"github.com/oamgitops/kubectl-gitops/krm/render"
	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/build"
	"github.com/oamgitops/kubectl-gitops/plugin/reconcile"
	"github.com/oamgitops/kubectl-gitops/plugin/watch"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

// The controller is tested with a real Git server and the real Walker
// (fetch and build) on a fake clock; the syncer records what it is given
// instead of applying it (applying is plugin/apply's, tested against a
// cluster, and the e2e tests run the agent for real). Tests wait for the
// workers, never for the schedule: the clock moves only when told.

// recorder is the syncer, inventory reader and status writer of a test.
type recorder struct {
	mu     sync.Mutex
	syncs  []string // "<source> <revision>"
	status map[string]map[string]any
	// block, when set for a source, holds its syncs until closed.
	block map[string]chan struct{}
	// fail fails the syncs of a source while set.
	fail    map[string]error
	running map[string]int
	overlap bool // two syncs of one source at once
}

func newRecorder() *recorder {
	return &recorder{status: map[string]map[string]any{}, block: map[string]chan struct{}{}, fail: map[string]error{}, running: map[string]int{}}
}

func (r *recorder) Sync(ctx context.Context, b *build.Built) (*apply.Result, error) {
	r.mu.Lock()
	name := b.Source.Name
	r.running[name]++
	if r.running[name] > 1 {
		r.overlap = true
	}
	r.syncs = append(r.syncs, name+" "+b.Revision)
	block, err := r.block[name], r.fail[name]
	r.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
		}
	}
	r.mu.Lock()
	r.running[name]--
	r.mu.Unlock()
	res := &apply.Result{Source: name, Revision: b.Revision}
	return res, err
}

func (r *recorder) ReadInventory(_ context.Context, inv apply.Inventory) (*apply.InventoryRecord, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.syncs) - 1; i >= 0; i-- {
		name, rev, _ := strings.Cut(r.syncs[i], " ")
		if "gitops."+strings.ReplaceAll(name, "/", ".") == inv.Name && r.fail[name] == nil {
			return &apply.InventoryRecord{Inventory: inv, Revision: rev}, nil
		}
	}
	return nil, apply.ErrNoInventory
}

func (r *recorder) WriteStatus(_ context.Context, app *unstructured.Unstructured, status map[string]any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status[KeyOf(app)] = status
	app.Object["status"] = status // as the informer would bring it back
	return nil
}

func (r *recorder) syncsOf(name string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, s := range r.syncs {
		if n, rev, _ := strings.Cut(s, " "); n == name {
			out = append(out, rev)
		}
	}
	return out
}

// ready is the Ready condition of an Application: "True: message".
func (r *recorder) ready(app string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	conds, _ := r.status[app]["conditions"].([]any)
	for _, c := range conds {
		m := c.(map[string]any)
		if m["type"] == "Ready" {
			return fmt.Sprintf("%s: %s", m["status"], m["message"])
		}
	}
	return "no Ready condition"
}

type fixture struct {
	t     *testing.T
	repo  *gitserver.Repo
	url   string
	clock *clocktesting.FakeClock
	rec   *recorder
	c     *Controller
	revs  []string
}

func newFixture(t *testing.T, concurrent int) *fixture {
	t.Helper()
	return newFixtureWith(t, concurrent, nil)
}

// newFixtureWith is newFixture with edit changing the controller's
// options first.
func newFixtureWith(t *testing.T, concurrent int, edit func(*Options)) *fixture {
	t.Helper()
	srv := gitserver.Start(t, gitserver.Options{})
	f := &fixture{t: t, repo: srv.MustCreate(t, "config"), url: srv.URL("config"), rec: newRecorder(),
		clock: clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}
	f.commit("1")
	builtins, err := catalog.Registry()
	if err != nil {
		t.Fatal(err)
	}
	w := &reconcile.Walker{Build: build.Options{Render: render.Function{Builtins: builtins, LoadDir: catalog.LoadDir}},
		Fetch: gitrepo.Options{CacheDir: t.TempDir()}}
	loop := &watch.Loop{Fetcher: w, Syncer: f.rec, Options: watch.DefaultOptions()}
	opts := Options{Loop: loop, Inventories: f.rec, Status: f.rec, Concurrent: concurrent, Clock: f.clock}
	if edit != nil {
		edit(&opts)
	}
	f.c, err = New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.c.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		f.rec.mu.Lock()
		defer f.rec.mu.Unlock()
		if f.rec.overlap {
			t.Error("two syncs of one source ran at once")
		}
	})
	return f
}

// commit writes a ConfigMap into a/ and b/ and names the revision.
func (f *fixture) commit(data string) string {
	f.t.Helper()
	cm := func(name string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", namespace: team}\ndata: {v: \"" + data + "\"}\n"
	}
	f.repo.MustWriteFiles(f.t, map[string]string{"a/cm.yaml": cm("a"), "b/cm.yaml": cm("b")})
	rev := "main@sha1:" + f.repo.MustCommit(f.t, "change "+data)
	f.repo.MustPush(f.t)
	f.revs = append(f.revs, rev)
	return rev
}

// app is an Application with one kustomize component per path.
func (f *fixture) app(name string, gen int64, paths ...string) *unstructured.Unstructured {
	var comps []any
	for _, p := range paths {
		comps = append(comps, map[string]any{"name": p, "type": "kustomize",
			"properties": map[string]any{"url": f.url, "git": map[string]any{"branch": "main"}, "path": "./" + p}})
	}
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
		"metadata": map[string]any{"name": name, "namespace": "team"}, "spec": map[string]any{"components": comps}}}
	u.SetGeneration(gen)
	return u
}

// eventually waits (in real time, for the workers) until cond is "".
func (f *fixture) eventually(what string, cond func() string) {
	f.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		msg := cond()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("%s: %s", what, msg)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// still checks cond holds for a while: what must not happen did not.
func (f *fixture) still(what string, cond func() string) {
	f.t.Helper()
	f.eventually(what, cond)
	time.Sleep(50 * time.Millisecond) // the workers had the chance to do it wrong
	if msg := cond(); msg != "" {
		f.t.Fatalf("%s: %s", what, msg)
	}
}

func (f *fixture) syncedAt(name string, revs ...string) func() string {
	return func() string {
		if got := f.rec.syncsOf(name); strings.Join(got, " ") != strings.Join(revs, " ") {
			return fmt.Sprintf("syncs of %s %v, want %v", name, got, revs)
		}
		return ""
	}
}

func (f *fixture) readyIs(app, want string) func() string {
	return func() string {
		if got := f.rec.ready(app); !strings.HasPrefix(got, want) {
			return fmt.Sprintf("Ready %q, want %q…", got, want)
		}
		return ""
	}
}

// advance moves the clock once the workers are idle with a key waiting
// for its time (the clock's waiters are the two queues' heartbeats and
// the source queue's timer).
func (f *fixture) advance(d time.Duration) {
	f.t.Helper()
	f.eventually("a key waiting in the queue", func() string {
		if f.clock.Waiters() < 3 || f.c.queue.Len() > 0 || f.c.statusQueue.Len() > 0 {
			return fmt.Sprintf("%d waiters, %d keys ready", f.clock.Waiters(), f.c.queue.Len())
		}
		return ""
	})
	f.clock.Step(d)
}

func TestControllerSyncsAndWritesStatus(t *testing.T) {
	f := newFixture(t, 4)
	f.c.SetApplication(f.app("infra", 1, "a", "b"))
	f.eventually("both sources synced", func() string {
		return f.syncedAt("infra/a", f.revs[0])() + f.syncedAt("infra/b", f.revs[0])()
	})
	f.eventually("Ready", f.readyIs("team/infra", "True: Applied revision: a="+f.revs[0]+", b="+f.revs[0]))
	f.rec.mu.Lock()
	st := f.rec.status["team/infra"]
	f.rec.mu.Unlock()
	if st["observedGeneration"] != int64(1) || st["status"] != "running" {
		t.Errorf("status %v, want observedGeneration 1 and running", st)
	}

	// A new commit reaches the cluster when the pull interval passes, not before.
	rev2 := f.commit("2")
	f.advance(30 * time.Second)
	f.still("nothing synced before the interval", f.syncedAt("infra/a", f.revs[0]))
	f.advance(30 * time.Second)
	f.eventually("the new commit synced", func() string {
		return f.syncedAt("infra/a", f.revs[0], rev2)() + f.syncedAt("infra/b", f.revs[0], rev2)()
	})

	// A new generation fetches at once: b dropped, a kept.
	rev3 := f.commit("3")
	f.c.SetApplication(f.app("infra", 2, "a"))
	f.eventually("a fetched at once", f.syncedAt("infra/a", f.revs[0], rev2, rev3))
	f.eventually("generation 2 observed", func() string {
		f.rec.mu.Lock()
		defer f.rec.mu.Unlock()
		if g := f.rec.status["team/infra"]["observedGeneration"]; g != int64(2) {
			return fmt.Sprintf("observedGeneration %v", g)
		}
		return ""
	})
	f.c.mu.Lock()
	n := len(f.c.sources)
	f.c.mu.Unlock()
	if n != 1 {
		t.Errorf("%d sources tracked after b was dropped, want 1", n)
	}

	// A deleted Application's sources are let go: nothing more is synced.
	f.c.DeleteApplication("team/infra")
	f.commit("4")
	f.clock.Step(10 * time.Minute)
	f.still("nothing synced after delete", f.syncedAt("infra/a", f.revs[0], rev2, rev3))
}

// A failing source is Ready=False naming it, retried with backoff on the
// clock, and never blocks another source.
func TestControllerBacksOffAndIsolatesFailures(t *testing.T) {
	f := newFixture(t, 4)
	f.rec.fail["bad/a"] = errors.New("apps/cm.yaml: ConfigMap team/a: data.v: invalid")
	f.c.SetApplication(f.app("bad", 1, "a"))
	f.c.SetApplication(f.app("good", 1, "b"))
	f.eventually("the good one Ready", f.readyIs("team/good", "True"))
	f.eventually("the bad one names its failure", f.readyIs("team/bad", "False: source bad/a"))
	if got := f.rec.ready("team/bad"); !strings.Contains(got, "ConfigMap team/a: data.v: invalid") {
		t.Errorf("Ready of the failing Application %q, want the object and field named", got)
	}
	f.advance(5 * time.Second)
	f.still("no retry before the backoff", f.syncedAt("bad/a", f.revs[0]))
	f.advance(5 * time.Second) // 10 s: the first retry
	f.eventually("the first retry", f.syncedAt("bad/a", f.revs[0], f.revs[0]))
	f.advance(10 * time.Second)
	f.still("no second retry before 20 s", f.syncedAt("bad/a", f.revs[0], f.revs[0]))
	f.rec.mu.Lock()
	delete(f.rec.fail, "bad/a")
	f.rec.mu.Unlock()
	f.advance(10 * time.Second)
	f.eventually("healthy after the retry", f.readyIs("team/bad", "True"))
}

// Different sources sync in parallel up to Concurrent; one source never
// syncs twice at once (the fixture checks that at the end).
func TestControllerConcurrency(t *testing.T) {
	for _, tc := range []struct {
		concurrent int
		parallel   bool
	}{{1, false}, {2, true}} {
		t.Run(fmt.Sprintf("concurrent %d", tc.concurrent), func(t *testing.T) {
			f := newFixture(t, tc.concurrent)
			release := make(chan struct{})
			f.rec.block["x/a"], f.rec.block["y/b"] = release, release
			f.c.SetApplication(f.app("x", 1, "a"))
			f.c.SetApplication(f.app("y", 1, "b"))
			want := "x/a running, y/b waiting"
			if tc.parallel {
				want = "x/a running, y/b running"
			}
			f.eventually("the first sync started", func() string {
				if len(f.rec.syncsOf("x/a")) == 0 && len(f.rec.syncsOf("y/b")) == 0 {
					return "none started"
				}
				return ""
			})
			f.still(want, func() string {
				f.rec.mu.Lock()
				defer f.rec.mu.Unlock()
				n := f.rec.running["x/a"] + f.rec.running["y/b"]
				if tc.parallel && n != 2 || !tc.parallel && n != 1 {
					return fmt.Sprintf("%d syncs running", n)
				}
				return ""
			})
			close(release)
			f.eventually("both Ready", func() string { return f.readyIs("team/x", "True")() + f.readyIs("team/y", "True")() })
		})
	}
}

// A branch force-pushed to an older history converges: the next pull
// syncs the older commit again, and the Application reports it.
func TestControllerFollowsAForcePushToOlderHistory(t *testing.T) {
	f := newFixture(t, 2)
	f.c.SetApplication(f.app("infra", 1, "a"))
	f.eventually("the first commit synced", f.syncedAt("infra/a", f.revs[0]))
	rev2 := f.commit("2")
	f.advance(time.Minute)
	f.eventually("the second commit synced", f.syncedAt("infra/a", f.revs[0], rev2))
	f.eventually("Ready at the second", f.readyIs("team/infra", "True: Applied revision: "+rev2))

	first := strings.TrimPrefix(f.revs[0], "main@sha1:")
	if out, err := exec.Command("git", "-C", f.repo.Work, "reset", "--hard", "--quiet", first).CombinedOutput(); err != nil {
		t.Fatalf("git reset: %v\n%s", err, out)
	}
	f.repo.MustPush(t) // forced
	f.advance(time.Minute)
	f.eventually("the older commit synced again", f.syncedAt("infra/a", f.revs[0], rev2, f.revs[0]))
	f.eventually("Ready at the older revision", f.readyIs("team/infra", "True: Applied revision: "+f.revs[0]))
}

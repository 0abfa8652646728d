package watch

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/build"
	"github.com/oamgitops/kubectl-gitops/plugin/reconcile"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

// fixture is a Git server with one repository, a loop over it on a fake
// clock and the timeline of what the loop did.
type fixture struct {
	t     *testing.T
	repo  *gitserver.Repo
	url   string
	clock *fakeClock
	tl    *timeline
	sync  *recordingSyncer
	drift *recordingSyncer
	fetch *recordingFetcher
	out   bytes.Buffer
	loop  *Loop
	ctx   context.Context
}

func newFixture(t *testing.T, end time.Duration, files map[string]string) *fixture {
	t.Helper()
	srv := gitserver.Start(t, gitserver.Options{})
	f := &fixture{t: t, url: srv.URL("config"), repo: srv.MustCreate(t, "config")}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f.ctx = ctx
	f.clock = newClock(end, cancel)
	f.tl = &timeline{clock: f.clock, revs: map[string]string{}}
	f.commit(files)
	f.sync = &recordingSyncer{tl: f.tl, kind: "sync"}
	f.drift = &recordingSyncer{tl: f.tl, kind: "drift"}
	f.fetch = &recordingFetcher{Walker: testWalker(t), tl: f.tl, names: map[string]bool{}}
	opts := DefaultOptions()
	opts.Progress, opts.Now, opts.Sleep = &f.out, f.clock.Now, f.clock.Sleep
	f.loop = &Loop{Fetcher: f.fetch, Syncer: f.sync, DriftSyncer: f.drift, Options: opts}
	return f
}

// commit writes files (an empty content removes the file), commits,
// pushes and names the commit c1, c2, … on the timeline.
func (f *fixture) commit(files map[string]string) {
	f.t.Helper()
	write := map[string]string{}
	for name, content := range files {
		if content == "" {
			removeFile(f.t, f.repo, name)
			continue
		}
		write[name] = content
	}
	f.repo.MustWriteFiles(f.t, write)
	hash := f.repo.MustCommit(f.t, "change")
	f.repo.MustPush(f.t)
	f.tl.revs[hash] = "c" + string(rune('0'+len(f.tl.revs)+1))
}

// at commits files when the clock reaches offset.
func (f *fixture) at(offset time.Duration, files map[string]string) {
	f.clock.events[offset] = func() { f.commit(files) }
}

func (f *fixture) source(name, path string, interval time.Duration) source.Declaration {
	return source.Declaration{Name: name, Namespace: "team", URL: f.url, Ref: gitrepo.Ref{Branch: "main"}, Path: path, Interval: interval}
}

func (f *fixture) run(roots ...source.Declaration) {
	f.t.Helper()
	if err := f.loop.Run(f.ctx, roots); err != nil {
		f.t.Fatalf("Run: %v", err)
	}
	f.t.Logf("progress:\n%s", f.out.String())
}

func (f *fixture) want(lines ...string) {
	f.t.Helper()
	if diff := cmp.Diff(lines, f.tl.lines); diff != "" {
		f.t.Errorf("timeline (-want +got):\n%s", diff)
	}
}

func (f *fixture) wantProgress(lines ...string) {
	f.t.Helper()
	for _, l := range lines {
		if !strings.Contains(f.out.String(), l) {
			f.t.Errorf("progress lacks %q:\n%s", l, f.out.String())
		}
	}
}

// A new commit is synced at the next pull of each source, on its own
// interval (pullInterval, else the default); the drift clock syncs the
// last build again, restarted by every sync.
func TestScheduleNewRevisionsAndDrift(t *testing.T) {
	f := newFixture(t, 8*time.Minute+30*time.Second, map[string]string{"a/cm.yaml": configMap("a"), "b/cm.yaml": configMap("b")})
	f.at(2*time.Minute+30*time.Second, map[string]string{"a/cm.yaml": configMap("a2")})
	f.drift.changes = func(b *build.Built) []apply.Change {
		return []apply.Change{{Kind: "ConfigMap", Namespace: "team", Name: "a2", Action: "configured"}}
	}
	f.run(f.source("a", "a", 0), f.source("b", "b", 2*time.Minute))
	f.want(
		"0s sync a c1",
		"0s sync b c1",
		"3m0s sync a c2",  // a pulls every minute (the default)
		"4m0s sync b c2",  // b every 2 minutes (its pullInterval)
		"8m0s drift a c2", // 5 minutes after its last sync
	)
	f.wantProgress(
		"a: syncing main@sha1:",
		"a: up to date at main@sha1:",
		"a: new revision main@sha1:",
		"a: drift repaired: ConfigMap/team/a2 configured",
	)
}

// A source that fails is retried after 10s, 20s, 40s, then every
// interval; the others go on.
func TestScheduleRetriesWithBackoff(t *testing.T) {
	f := newFixture(t, 3*time.Minute+30*time.Second, map[string]string{"a/cm.yaml": configMap("a"), "c/cm.yaml": configMap("c")})
	f.fetch.names["gone"] = true
	f.sync.fail = func(name string, n int) error {
		if name == "c" && n <= 3 {
			return errors.New("wave 1/1 not healthy")
		}
		return nil
	}
	gone := f.source("gone", "x", 0)
	gone.URL = "http://127.0.0.1:1/missing.git" // nothing listens there
	f.run(f.source("a", "a", 0), gone, f.source("c", "c", 0))
	f.want(
		"0s sync a c1",
		"0s fetch gone",
		"0s sync c c1: failed",
		"10s fetch gone",
		"10s sync c c1: failed",
		"30s fetch gone",
		"30s sync c c1: failed",
		"1m10s fetch gone",
		"1m10s sync c c1",
		"2m10s fetch gone",
		"3m10s fetch gone",
	)
	f.wantProgress(
		"c: failed (retry in 10s): source c: at main@sha1:",
		"c: failed (retry in 40s)",
		"c: syncing main@sha1:", // again, after the failure
		"gone: failed (retry in 1m0s): source gone",
		"a: up to date at",
	)
	if strings.Contains(f.out.String(), "drift") {
		t.Errorf("a drift check ran before any was due:\n%s", f.out.String())
	}
}

// A commit that does not render is reported and retried; the cluster is
// still checked for drift against the last good build, and the fix is
// synced at the next retry.
func TestScheduleRenderErrorKeepsLastBuild(t *testing.T) {
	f := newFixture(t, 6*time.Minute+30*time.Second, map[string]string{"a/cm.yaml": configMap("a")})
	f.at(30*time.Second, map[string]string{"a/bad.yaml": `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: shop, namespace: team}
spec:
  components:
    - {name: api, type: no-such-type}
`})
	f.at(5*time.Minute+30*time.Second, map[string]string{"a/bad.yaml": ""})
	f.run(f.source("a", "a", 0))
	f.want(
		"0s sync a c1",
		"5m0s drift a c1",
		"6m10s sync a c3",
	)
	f.wantProgress(
		"a: failed (retry in 10s): source a: path a at main@sha1:",
		"bad.yaml: Application team/shop",
		"a: no drift at main@sha1:",
	)
}

// Nested sources are synced right after their parent and follow its
// builds: one that is no longer declared is dropped, a new one added.
func TestScheduleNestedSources(t *testing.T) {
	f := newFixture(t, 3*time.Minute+30*time.Second, nil)
	f.commit(map[string]string{
		"root/cm.yaml":  configMap("root"),
		"root/app.yaml": kustomizeApp("one", f.url, "./one"),
		"one/cm.yaml":   configMap("one"),
		"two/cm.yaml":   configMap("two"),
	})
	f.at(90*time.Second, map[string]string{"root/app.yaml": kustomizeApp("two", f.url, "./two")})
	f.fetch.names["one/src"] = true
	f.run(f.source("root", "root", 0))
	f.want(
		"0s sync root c2",
		"0s fetch one/src",
		"0s sync one/src c2 (in root)",
		"1m0s fetch one/src",
		"2m0s sync root c3",
		"2m0s sync two/src c3 (in root)",
	)
	f.wantProgress("one/src: no longer declared by root: not watched any more")
}

// Once is one pass: every source and nested source synced, failures
// (a cycle, an unreachable repository) returned together.
func TestOnce(t *testing.T) {
	f := newFixture(t, time.Hour, nil)
	f.commit(map[string]string{
		"root/cm.yaml":   configMap("root"),
		"root/app.yaml":  kustomizeApp("one", f.url, "./one"),
		"root/self.yaml": kustomizeApp("self", f.url, "./root"),
		"one/cm.yaml":    configMap("one"),
	})
	gone := f.source("gone", "x", 0)
	gone.URL = "http://127.0.0.1:1/missing.git" // nothing listens there
	err := f.loop.Once(f.ctx, []source.Declaration{f.source("root", "root", 0), gone})
	if !errors.Is(err, source.ErrCycle) || !strings.Contains(err.Error(), "root -> self/src") {
		t.Errorf("Once: %v, want a cycle root -> self/src", err)
	}
	if err == nil || !strings.Contains(err.Error(), "source gone") {
		t.Errorf("Once: %v, want the failure of source gone too", err)
	}
	f.want(
		"0s sync root c2",
		"0s sync one/src c2 (in root)",
	)
	if f.clock.sleeps != 0 {
		t.Errorf("Once slept %d times", f.clock.sleeps)
	}
	if strings.Contains(f.out.String(), "failed") {
		t.Errorf("Once reported failures it returns:\n%s", f.out.String())
	}
}

// Tasks run on their own interval between syncs, with backoff after a
// failure.
func TestScheduleTasks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := newClock(5*time.Minute, cancel)
	tl := &timeline{clock: clock}
	runs := 0
	task := Task{Name: "image automation", Interval: 2 * time.Minute, Run: func(context.Context) (bool, error) {
		runs++
		tl.add("task run %d", runs)
		if runs == 1 {
			return false, errors.New("registry unreachable")
		}
		return false, nil
	}}
	var out bytes.Buffer
	opts := DefaultOptions()
	opts.Progress, opts.Now, opts.Sleep = &out, clock.Now, clock.Sleep
	loop := &Loop{Fetcher: testWalker(t), Syncer: &recordingSyncer{tl: tl}, Tasks: []Task{task}, Options: opts}
	if err := loop.Run(ctx, nil); err != nil {
		t.Fatal(err)
	}
	want := []string{"0s task run 1", "10s task run 2", "2m10s task run 3", "4m10s task run 4"}
	if diff := cmp.Diff(want, tl.lines); diff != "" {
		t.Errorf("timeline (-want +got):\n%s", diff)
	}
	if !strings.Contains(out.String(), "image automation: failed (retry in 10s): registry unreachable") {
		t.Errorf("progress:\n%s", out.String())
	}
}

func TestOptionsValidate(t *testing.T) {
	for name, tc := range map[string]struct {
		loop Loop
		want string
	}{
		"no fetcher":         {Loop{Syncer: &recordingSyncer{}}, "a Fetcher and a Syncer are required"},
		"negative interval":  {Loop{Fetcher: &reconcile.Walker{}, Syncer: &recordingSyncer{}, Options: Options{Interval: -time.Second}}, "must not be negative"},
		"nothing to watch":   {Loop{Fetcher: &reconcile.Walker{}, Syncer: &recordingSyncer{}}, "nothing to watch"},
		"task with no timer": {Loop{Fetcher: &reconcile.Walker{}, Syncer: &recordingSyncer{}, Tasks: []Task{{Name: "t", Run: func(context.Context) (bool, error) { return false, nil }}}}, `task "t" needs a positive interval`},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.loop.Run(context.Background(), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Run: %v, want %q", err, tc.want)
			}
		})
	}
}

// A task that pushes to Git makes every source due at once: what it
// pushed is synced in the same pass, not at the source's next interval.
func TestScheduleTaskThatChangesGit(t *testing.T) {
	f := newFixture(t, 5*time.Minute+30*time.Second, map[string]string{"a/cm.yaml": configMap("a")})
	runs := 0
	f.loop.Tasks = []Task{{Name: "image automation", Interval: 2 * time.Minute, Run: func(context.Context) (bool, error) {
		runs++
		f.tl.add("task run %d", runs)
		if runs == 2 {
			f.commit(map[string]string{"a/cm.yaml": configMap("a2")}) // what image automation pushes
			return true, nil
		}
		return false, nil
	}}}
	f.run(f.source("a", "a", 10*time.Minute))
	f.want(
		"0s task run 1", // tasks first in a pass
		"0s sync a c1",
		"2m0s task run 2",
		"2m0s sync a c2", // at once, though a pulls every 10 minutes
		"4m0s task run 3",
	)
}

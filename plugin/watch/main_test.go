package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oamgitops/kubectl-gitops/catalog"
	"github.com/oamgitops/kubectl-gitops/krm/render"
	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/build"
	"github.com/oamgitops/kubectl-gitops/plugin/reconcile"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

// The schedule is tested with the real Walker (a real Git server, real
// builds) on a fake clock, with syncers that record what they are given
// instead of applying it: applying is plugin/reconcile's and plugin/apply's,
// tested against a cluster there, and the e2e tests run the real loop.

// fakeClock is the loop's clock: Sleep moves it on at once, running the
// events that fall in the slept time first; past end it cancels the run.
type fakeClock struct {
	start, now time.Time
	end        time.Duration
	cancel     context.CancelFunc
	events     map[time.Duration]func()
	sleeps     int
}

func newClock(end time.Duration, cancel context.CancelFunc) *fakeClock {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return &fakeClock{start: start, now: start, end: end, cancel: cancel, events: map[time.Duration]func(){}}
}

func (c *fakeClock) Now() time.Time { return c.now }

// at is the clock's time as an offset from its start.
func (c *fakeClock) at() time.Duration { return c.now.Sub(c.start) }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.sleeps++
	if c.sleeps > 1000 {
		panic("fake clock: the loop slept 1000 times; it does not reach the end")
	}
	target := c.now.Add(d)
	var due []time.Duration
	for off := range c.events {
		if t := c.start.Add(off); t.After(c.now) && !t.After(target) {
			due = append(due, off)
		}
	}
	sort.Slice(due, func(i, j int) bool { return due[i] < due[j] })
	for _, off := range due {
		c.now = c.start.Add(off)
		c.events[off]()
	}
	if target.Sub(c.start) > c.end {
		c.now = c.start.Add(c.end)
		c.cancel()
		return ctx.Err()
	}
	c.now = target
	return nil
}

// timeline is what happened, "<offset> <what>", in order.
type timeline struct {
	mu    sync.Mutex
	clock *fakeClock
	// revs names commits: hash → c1, c2, …
	revs  map[string]string
	lines []string
}

func (tl *timeline) add(format string, args ...any) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.lines = append(tl.lines, tl.clock.at().String()+" "+fmt.Sprintf(format, args...))
}

// rev names a revision by its commit: c1, c2, …
func (tl *timeline) rev(revision string) string {
	_, hash, _ := strings.Cut(revision, "@sha1:")
	if n := tl.revs[hash]; n != "" {
		return n
	}
	return revision
}

// recordingSyncer records each sync on the timeline and fails as told.
type recordingSyncer struct {
	tl   *timeline
	kind string
	// fail returns the error of the nth sync (from 1) of source name.
	fail    func(name string, n int) error
	calls   map[string]int
	changes func(b *build.Built) []apply.Change
}

func (r *recordingSyncer) Sync(_ context.Context, b *build.Built) (*apply.Result, error) {
	if r.calls == nil {
		r.calls = map[string]int{}
	}
	r.calls[b.Source.Name]++
	what := r.kind + " " + b.Source.Name + " " + r.tl.rev(b.Revision)
	if b.Parent != nil {
		what += " (in " + b.Parent.Name + ")"
	}
	res := &apply.Result{Source: b.Source.Name, Revision: b.Revision}
	if r.changes != nil {
		res.Changes = r.changes(b)
	}
	if r.fail != nil {
		if err := r.fail(b.Source.Name, r.calls[b.Source.Name]); err != nil {
			r.tl.add("%s: failed", what)
			return res, err
		}
	}
	r.tl.add("%s", what)
	return res, nil
}

// recordingFetcher records the fetches of the sources named in names.
type recordingFetcher struct {
	*reconcile.Walker
	tl    *timeline
	names map[string]bool
}

func (f *recordingFetcher) FetchOne(ctx context.Context, s source.Declaration, known string) (*build.Fetched, error) {
	if f.names[s.Name] {
		f.tl.add("fetch %s", s.Name)
	}
	return f.Walker.FetchOne(ctx, s, known)
}

// removeFile deletes a file of repo's work tree; the next commit records
// it.
func removeFile(t *testing.T, repo *gitserver.Repo, name string) {
	t.Helper()
	if err := os.Remove(filepath.Join(repo.Work, filepath.FromSlash(name))); err != nil {
		t.Fatal(err)
	}
}

func testWalker(t *testing.T) *reconcile.Walker {
	t.Helper()
	builtins, err := catalog.Registry()
	if err != nil {
		t.Fatal(err)
	}
	return &reconcile.Walker{
		Build: build.Options{Render: render.Function{Builtins: builtins, LoadDir: catalog.LoadDir}},
		Fetch: gitrepo.Options{CacheDir: t.TempDir()},
	}
}

func configMap(name string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", namespace: team}\n"
}

// kustomizeApp is an Application declaring one nested source.
func kustomizeApp(name, url, path string) string {
	return `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: ` + name + `, namespace: team}
spec:
  components:
    - name: src
      type: kustomize
      properties: {url: "` + url + `", path: ` + path + `, git: {branch: main}}
`
}

// The walker and syncer of plugin/reconcile are what cmd and the agent
// give a Loop.
var (
	_ Fetcher = (*reconcile.Walker)(nil)
	_ Syncer  = (*reconcile.Syncer)(nil)
)

package gitrepo

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

func cacheEntries(t *testing.T, dir string) int {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(des)
}

// TestFetchUpdates fetches, pushes a new commit, and fetches again: the
// second call sees the commit and reuses the cached clone.
func TestFetchUpdates(t *testing.T) {
	f := newFixture(t)
	opts := testOptions(t)
	spec := Spec{Name: "apps", URL: f.srv.URL("app"), Ref: Ref{Branch: "main"}, Auth: f.auth()}
	first, err := Fetch(context.Background(), spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(first.CacheDir, "marker")
	if err := os.WriteFile(marker, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	f.repo.MustWriteFiles(t, map[string]string{"deploy/app.yaml": "v: 4\n"})
	c4 := f.repo.MustCommit(t, "v4")
	f.repo.MustPush(t)

	opts.WorkDir = filepath.Join(t.TempDir(), "second")
	second, err := Fetch(context.Background(), spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{second.Revision, readApp(t, second), second.CacheDir}
	want := []string{"main@sha1:" + c4, "v: 4\n", first.CacheDir}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("second fetch (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("cached clone was not reused: %v", err)
	}
	if n := cacheEntries(t, opts.CacheDir); n != 1 {
		t.Errorf("cache has %d entries, want 1", n)
	}

	opts.WorkDir = second.Dir
	if _, err := Fetch(context.Background(), spec, opts); err == nil {
		t.Error("fetch into a non-empty work directory succeeded")
	}
}

func TestCacheBounded(t *testing.T) {
	srv := gitserver.Start(t, gitserver.Options{})
	opts := testOptions(t)
	opts.MaxCacheEntries = 2
	var last *Checkout
	for _, name := range []string{"a", "b", "c"} {
		r := srv.MustCreate(t, name)
		r.MustWriteFiles(t, map[string]string{"deploy/app.yaml": name})
		r.MustCommit(t, name)
		r.MustPush(t)
		opts.WorkDir = filepath.Join(t.TempDir(), name)
		co, err := Fetch(context.Background(), Spec{URL: srv.URL(name)}, opts)
		if err != nil {
			t.Fatal(err)
		}
		last = co
	}
	if n := cacheEntries(t, opts.CacheDir); n != 2 {
		t.Errorf("cache has %d entries, want 2", n)
	}
	if _, err := os.Stat(last.CacheDir); err != nil {
		t.Errorf("most recent entry was pruned: %v", err)
	}
	if _, err := os.Stat(cache{root: opts.CacheDir}.entry(srv.URL("a"))); err == nil {
		t.Error("least recently used entry a was kept")
	}
}

// TestFetchConcurrent runs fetches of one URL at once: the lock file
// serialises them and each gets a complete checkout.
func TestFetchConcurrent(t *testing.T) {
	f := newFixture(t)
	cacheDir := t.TempDir()
	spec := Spec{URL: f.srv.URL("app"), Ref: Ref{Tag: "v1.1.0"}, Auth: f.auth()}
	const n = 4
	revs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			co, err := Fetch(context.Background(), spec, Options{CacheDir: cacheDir, WorkDir: filepath.Join(t.TempDir(), "w")})
			if err == nil {
				revs[i] = co.Revision
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if want := "v1.1.0@sha1:" + f.c2; revs[i] != want {
			t.Errorf("fetch %d revision = %s, want %s", i, revs[i], want)
		}
	}
}

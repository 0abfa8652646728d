package gitrepo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// Fetches of one commit through Trees read one checkout; another commit
// gets its own; Close gives each up and removes nothing still in use by
// the trees until they are closed.
func TestFetchSharesTrees(t *testing.T) {
	f := newFixture(t)
	trees := &Trees{}
	opts := Options{CacheDir: t.TempDir(), Trees: trees}
	fetch := func(ref Ref) *Checkout {
		t.Helper()
		co, err := Fetch(context.Background(), Spec{URL: f.srv.URL("app"), Ref: ref, Auth: f.auth()}, opts)
		if err != nil {
			t.Fatal(err)
		}
		return co
	}
	a, b := fetch(Ref{Branch: "main"}), fetch(Ref{Tag: "v2.0.0"}) // both at c3
	if a.Dir != b.Dir {
		t.Errorf("one commit, two checkouts: %s and %s", a.Dir, b.Dir)
	}
	old := fetch(Ref{Tag: "v1.0.0"})
	if old.Dir == a.Dir || readApp(t, old) != "v: 1\n" || readApp(t, a) != "v: 3\n" {
		t.Errorf("c1 at %s reads %q, c3 at %s reads %q", old.Dir, readApp(t, old), a.Dir, readApp(t, a))
	}
	for _, co := range []*Checkout{a, b, old} {
		if err := co.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(a.Dir); err != nil {
		t.Errorf("an idle tree is kept for the next fetch: %v", err)
	}
	if again := fetch(Ref{Branch: "main"}); again.Dir != a.Dir {
		t.Errorf("the idle tree was written again: %s, want %s", again.Dir, a.Dir)
	}
	if err := trees.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(a.Dir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Close the trees are still there: %v", err)
	}
	if _, err := Fetch(context.Background(), Spec{URL: f.srv.URL("app"), Auth: f.auth()}, opts); err == nil {
		t.Error("a fetch through closed Trees succeeded")
	}
	// Without Trees each checkout is a directory of its own, which Close removes.
	own, err := Fetch(context.Background(), Spec{URL: f.srv.URL("app"), Auth: f.auth()}, Options{CacheDir: opts.CacheDir})
	if err != nil {
		t.Fatal(err)
	}
	if err := own.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(own.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a checkout of its own after Close: %v", err)
	}
}

func TestTreesWriteOnceEvictIdleRetryFailure(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, trees *Trees, write func(fail bool) func(string) error, writes *atomic.Int32)
	}{
		{"concurrent acquires write once", func(t *testing.T, trees *Trees, write func(bool) func(string) error, writes *atomic.Int32) {
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					dir, release, err := trees.acquire("c1", write(false))
					if err != nil {
						t.Error(err)
						return
					}
					if _, err := os.Stat(filepath.Join(dir, "f")); err != nil {
						t.Error(err)
					}
					release()
				})
			}
			wg.Wait()
			if n := writes.Load(); n != 1 {
				t.Errorf("%d writes, want 1", n)
			}
		}},
		{"the oldest idle tree goes beyond Keep", func(t *testing.T, trees *Trees, write func(bool) func(string) error, writes *atomic.Int32) {
			trees.Keep = 1
			d1, r1, _ := trees.acquire("c1", write(false))
			d2, r2, _ := trees.acquire("c2", write(false))
			r1()
			if _, err := os.Stat(d1); err != nil {
				t.Errorf("c1 idle within Keep: %v", err)
			}
			r2()
			r2() // a second release changes nothing
			if _, err := os.Stat(d1); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("c1, the oldest idle beyond Keep, still there: %v", err)
			}
			if _, err := os.Stat(d2); err != nil {
				t.Errorf("c2: %v", err)
			}
		}},
		{"a tree in use is never evicted", func(t *testing.T, trees *Trees, write func(bool) func(string) error, writes *atomic.Int32) {
			trees.Keep = 1
			d1, r1, _ := trees.acquire("c1", write(false))
			for _, c := range []string{"c2", "c3", "c4"} {
				_, r, _ := trees.acquire(c, write(false))
				r()
			}
			if _, err := os.Stat(filepath.Join(d1, "f")); err != nil {
				t.Errorf("c1 in use: %v", err)
			}
			r1()
		}},
		{"a failed write is tried again", func(t *testing.T, trees *Trees, write func(bool) func(string) error, writes *atomic.Int32) {
			if _, _, err := trees.acquire("c1", write(true)); err == nil {
				t.Fatal("want the write's error")
			}
			dir, release, err := trees.acquire("c1", write(false))
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			if _, err := os.Stat(filepath.Join(dir, "f")); err != nil || writes.Load() != 2 {
				t.Errorf("after a failure: %v, %d writes", err, writes.Load())
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trees := &Trees{}
			t.Cleanup(func() { trees.Close() })
			var writes atomic.Int32
			write := func(fail bool) func(string) error {
				return func(dir string) error {
					writes.Add(1)
					if err := os.MkdirAll(dir, 0o755); err != nil {
						return err
					}
					if fail {
						return errors.New("disk full")
					}
					return os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644)
				}
			}
			tt.run(t, trees, write, &writes)
		})
	}
}

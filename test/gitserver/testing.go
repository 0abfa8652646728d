package gitserver

import "testing"

// Start starts a server for the test and closes it when the test ends.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	if opts.Root == "" {
		opts.Root = tb.TempDir()
	}
	s, err := New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

// MustCreate is Create that fails the test on error.
func (s *Server) MustCreate(tb testing.TB, name string) *Repo {
	tb.Helper()
	r, err := s.Create(name)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// MustWriteFiles is WriteFiles that fails the test on error.
func (r *Repo) MustWriteFiles(tb testing.TB, files map[string]string) {
	tb.Helper()
	if err := r.WriteFiles(files); err != nil {
		tb.Fatal(err)
	}
}

// MustCopyTree is CopyTree that fails the test on error.
func (r *Repo) MustCopyTree(tb testing.TB, dir string) {
	tb.Helper()
	if err := r.CopyTree(dir); err != nil {
		tb.Fatal(err)
	}
}

// MustCommit is Commit that fails the test on error.
func (r *Repo) MustCommit(tb testing.TB, message string) string {
	tb.Helper()
	h, err := r.Commit(message)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// MustTag is Tag that fails the test on error.
func (r *Repo) MustTag(tb testing.TB, name string) {
	tb.Helper()
	if err := r.Tag(name); err != nil {
		tb.Fatal(err)
	}
}

// MustPush is Push that fails the test on error.
func (r *Repo) MustPush(tb testing.TB) {
	tb.Helper()
	if err := r.Push(); err != nil {
		tb.Fatal(err)
	}
}

package registry

import (
	"context"
	"testing"
)

// Start starts a registry for the test and closes it when the test ends.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
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

// MustPush is Push that fails the test on error.
func (s *Server) MustPush(tb testing.TB, repo string, tags ...string) {
	tb.Helper()
	if err := s.Push(context.Background(), repo, tags...); err != nil {
		tb.Fatal(err)
	}
}

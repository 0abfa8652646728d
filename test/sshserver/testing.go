package sshserver

import (
	"errors"
	"testing"
)

// Start starts a server for the test and stops it when the test ends. A
// missing sshd fails the test with the command that installs it; under
// `go test -short` the test is skipped instead. On failure the test log
// gets sshd's log.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s, err := New(opts)
	if errors.Is(err, ErrNoSSHD) && testing.Short() {
		tb.Skipf("%v (skipped under -short)", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("sshd log:\n%s", s.Logs())
		}
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

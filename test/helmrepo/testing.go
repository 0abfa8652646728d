package helmrepo

import "testing"

// Start starts a repository for the test and closes it when the test ends.
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

// MustAdd is Add that fails the test on error.
func (s *Server) MustAdd(tb testing.TB, dir, version string) {
	tb.Helper()
	if err := s.Add(dir, version); err != nil {
		tb.Fatal(err)
	}
}

// MustPackage is Package that fails the test on error.
func MustPackage(tb testing.TB, dir, version string) []byte {
	tb.Helper()
	data, err := Package(dir, version)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// MustPushOCI is PushOCI that fails the test on error.
func MustPushOCI(tb testing.TB, archive []byte, host, namespace, username, password string) string {
	tb.Helper()
	ref, err := PushOCI(archive, host, namespace, username, password)
	if err != nil {
		tb.Fatal(err)
	}
	return ref
}

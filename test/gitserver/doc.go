// Package gitserver runs a real Git server for tests: the installed git's
// `git http-backend` behind Go's net/http/cgi on 127.0.0.1, optionally with
// HTTP basic or bearer-token auth and TLS, serving bare repositories kept in
// one directory. The same repositories are reachable over file:// too.
//
// Repositories are created and changed with the git command line, never
// with the client under test:
//
//	srv := gitserver.Start(t, gitserver.Options{Username: "git", Password: "s3cret"})
//	repo := srv.MustCreate(t, "config")
//	repo.MustCopyTree(t, "../../testdata/seed-repo")
//	head := repo.MustCommit(t, "initial")
//	repo.MustTag(t, "v1.0.0")
//	repo.MustPush(t)
//	url := srv.URL("config") // http://127.0.0.1:PORT/config.git
//
// New and Close are the same without a testing.TB, for a demo that keeps a
// server running outside tests.
package gitserver

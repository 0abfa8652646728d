// Package sshserver runs a real SSH Git server for tests: Debian's OpenSSH
// daemon (/usr/sbin/sshd, package openssh-server) in the foreground on
// 127.0.0.1 and a free port, with generated host keys, one generated client
// key authorized, password login off, and its config, keys and pid file in a
// temporary directory. Git runs as the user the tests run as (root in CI):
// the server lets only that user in, and a repository is reached by its
// absolute path, ssh://USER@127.0.0.1:PORT/abs/path/name.git.
//
// The repositories are those of a test/gitserver directory, created and
// changed with its helpers; the SSH server only serves them:
//
//	git := gitserver.Start(t, gitserver.Options{})
//	repo := git.MustCreate(t, "config")
//	repo.MustWriteFiles(t, map[string]string{"app/cm.yaml": "..."})
//	repo.MustCommit(t, "initial")
//	repo.MustPush(t)
//	srv := sshserver.Start(t, sshserver.Options{Root: git.Root()})
//	url := srv.URL("config")         // ssh://root@127.0.0.1:PORT/…/config.git
//	identity := srv.Identity()       // the client's private key (OpenSSH PEM)
//	knownHosts := srv.KnownHosts()   // "[127.0.0.1]:PORT ssh-ed25519 …" lines
//
// The server has two host keys (Ed25519 and ECDSA P-256), as real servers
// offer several, so a client that trusts only one of them is tested too.
//
// When sshd is not installed Start fails the test with the command that
// installs it (`make tools`); only under `go test -short` does it skip.
// When the tests run as root, New creates sshd's privilege separation
// directory /run/sshd if it is missing, as the Debian service would.
//
// New and Close are the same without a testing.TB.
package sshserver

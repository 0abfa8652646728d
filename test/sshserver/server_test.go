package sshserver

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"

	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

// TestServer clones and pushes with the git and ssh command lines, so the
// server is checked independently of this project's client.
func TestServer(t *testing.T) {
	other, err := GenerateKey(Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		identity   func(*Server) []byte
		knownHosts func(*Server) []byte
		wantErr    string // substring of git's stderr; "" means success
	}{
		"trusted":            {},
		"one host key known": {knownHosts: func(s *Server) []byte { return s.KnownHosts(s.HostKeys()[1]) }},
		"wrong host key":     {knownHosts: func(s *Server) []byte { return s.KnownHosts(other.Public) }, wantErr: "Host key verification failed"},
		"unknown identity":   {identity: func(*Server) []byte { return other.PrivatePEM }, wantErr: "Permission denied (publickey)"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			git := gitserver.Start(t, gitserver.Options{})
			repo := git.MustCreate(t, "app")
			repo.MustWriteFiles(t, map[string]string{"deploy/app.yaml": "kind: ConfigMap\n"})
			repo.MustCommit(t, "initial")
			repo.MustPush(t)
			srv := Start(t, Options{Root: git.Root()})

			identity, knownHosts := srv.Identity(), srv.KnownHosts()
			if tc.identity != nil {
				identity = tc.identity(srv)
			}
			if tc.knownHosts != nil {
				knownHosts = tc.knownHosts(srv)
			}
			sshCommand := sshCommand(t, identity, knownHosts)
			dst := filepath.Join(t.TempDir(), "clone")
			_, err := gitCmd(t, "", sshCommand, "clone", "--quiet", srv.URL("app"), dst)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("clone error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dst, "deploy", "app.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff("kind: ConfigMap\n", string(got)); diff != "" {
				t.Errorf("cloned file (-want +got):\n%s", diff)
			}

			// Push over SSH with the same key.
			if err := os.WriteFile(filepath.Join(dst, "new.txt"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"add", "new.txt"}, {"commit", "--quiet", "-m", "push over ssh"}, {"push", "--quiet", "origin", "main"}} {
				if _, err := gitCmd(t, dst, sshCommand, args...); err != nil {
					t.Fatal(err)
				}
			}
			pushed, err := gitCmd(t, dst, "", "rev-parse", "HEAD")
			if err != nil {
				t.Fatal(err)
			}
			onServer, err := gitCmd(t, repo.Bare, "", "rev-parse", "refs/heads/main")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(pushed, onServer); diff != "" {
				t.Errorf("server main after push (-want +got):\n%s", diff)
			}
		})
	}
}

func TestKnownHosts(t *testing.T) {
	srv := Start(t, Options{})
	lines := strings.Split(strings.TrimSpace(string(srv.KnownHosts())), "\n")
	if len(lines) != 2 {
		t.Fatalf("KnownHosts() has %d lines, want one per host key (2):\n%s", len(lines), srv.KnownHosts())
	}
	for i, line := range lines {
		_, hosts, key, _, _, err := ssh.ParseKnownHosts([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"[127.0.0.1]:" + strings.TrimPrefix(srv.Addr(), "127.0.0.1:")}, hosts); diff != "" {
			t.Errorf("line %d hosts (-want +got):\n%s", i, diff)
		}
		if !bytes.Equal(key.Marshal(), srv.HostKeys()[i].Marshal()) {
			t.Errorf("line %d is not host key %d", i, i)
		}
	}
	if got, want := srv.URL("x"), "ssh://"+srv.User()+"@"+srv.Addr()+filepath.ToSlash(srv.Root())+"/x.git"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
}

func TestNoSSHD(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "sshd")
	_, err := New(Options{SSHD: missing})
	if !errors.Is(err, ErrNoSSHD) || !strings.Contains(err.Error(), "run `make tools`") || !strings.Contains(err.Error(), missing) {
		t.Errorf("New with no sshd: error = %v, want ErrNoSSHD naming %s and `make tools`", err, missing)
	}
}

// sshCommand is a GIT_SSH_COMMAND that uses only the given identity and
// known_hosts, ignoring the user's ssh configuration.
func sshCommand(t *testing.T, identity, knownHosts []byte) string {
	dir := t.TempDir()
	id, kh := filepath.Join(dir, "id"), filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(id, identity, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kh, knownHosts, 0o600); err != nil {
		t.Fatal(err)
	}
	return "ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none -o StrictHostKeyChecking=yes" +
		" -o UserKnownHostsFile=" + kh + " -o GlobalKnownHostsFile=/dev/null -i " + id
}

// gitCmd runs git in dir with GIT_SSH_COMMAND set (when not empty),
// isolated from the user's and the system's git configuration.
func gitCmd(t *testing.T, dir, sshCommand string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	if sshCommand != "" {
		cmd.Env = append(cmd.Env, "GIT_SSH_COMMAND="+sshCommand)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", errors.New("git " + strings.Join(args, " ") + ": " + err.Error() + ": " + stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

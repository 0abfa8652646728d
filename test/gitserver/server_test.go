package gitserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestServer clones and pushes with the git command line through the
// server, so the server is checked independently of this project's client.
func TestServer(t *testing.T) {
	tests := map[string]struct {
		opts     Options
		userinfo string   // put into the clone URL
		config   []string // extra `git -c` settings
		wantErr  string   // substring of git's stderr; "" means success
	}{
		"anonymous":       {},
		"basic auth":      {opts: Options{Username: "git", Password: "s3cret"}, userinfo: "git:s3cret@"},
		"wrong password":  {opts: Options{Username: "git", Password: "s3cret"}, userinfo: "git:nope@", wantErr: "Authentication failed"},
		"no credentials":  {opts: Options{Username: "git", Password: "s3cret"}, wantErr: "could not read Username"},
		"bearer token":    {opts: Options{BearerToken: "tok"}, config: []string{"http.extraHeader=Authorization: Bearer tok"}},
		"wrong token":     {opts: Options{BearerToken: "tok"}, config: []string{"http.extraHeader=Authorization: Bearer bad"}, wantErr: "could not read Username"},
		"tls basic auth":  {opts: Options{TLS: true, Username: "u", Password: "p"}, userinfo: "u:p@"},
		"tls not trusted": {opts: Options{TLS: true}, wantErr: "certificate verification failed"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv := Start(t, tc.opts)
			repo := srv.MustCreate(t, "app")
			repo.MustWriteFiles(t, map[string]string{"deploy/app.yaml": "kind: ConfigMap\n"})
			head := repo.MustCommit(t, "initial")
			repo.MustTag(t, "v1.0.0")
			repo.MustPush(t)

			// GIT_SSL_CAINFO overrides http.sslCAInfo, so set the variable.
			t.Setenv("GIT_SSL_CAINFO", os.DevNull)
			if ca := srv.CACert(); ca != nil && !strings.Contains(name, "not trusted") {
				caFile := filepath.Join(t.TempDir(), "ca.pem")
				if err := os.WriteFile(caFile, ca, 0o600); err != nil {
					t.Fatal(err)
				}
				t.Setenv("GIT_SSL_CAINFO", caFile)
			}
			url := strings.Replace(srv.URL("app"), "://", "://"+tc.userinfo, 1)
			dst := filepath.Join(t.TempDir(), "clone")
			var args []string
			for _, c := range tc.config {
				args = append(args, "-c", c)
			}
			_, err := output("", append(args, "clone", "--quiet", url, dst)...)
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
			tags, err := output(dst, "tag", "--points-at", head)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff("v1.0.0", tags); diff != "" {
				t.Errorf("tags at head (-want +got):\n%s", diff)
			}

			// Push over HTTP through the same credentials.
			if err := os.WriteFile(filepath.Join(dst, "new.txt"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, step := range [][]string{{"add", "new.txt"}, {"commit", "--quiet", "-m", "push over http"}} {
				if _, err := output(dst, step...); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := output(dst, append(args, "push", "--quiet", "origin", "main")...); err != nil {
				t.Fatal(err)
			}
			pushed, err := output(dst, "rev-parse", "HEAD")
			if err != nil {
				t.Fatal(err)
			}
			onServer, err := output(repo.Bare, "rev-parse", "refs/heads/main")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(pushed, onServer); diff != "" {
				t.Errorf("server main after push (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFileURL(t *testing.T) {
	srv := Start(t, Options{Username: "u", Password: "p"})
	repo := srv.MustCreate(t, "config")
	repo.MustCopyTree(t, filepath.Join("..", "..", "testdata", "seed-repo"))
	head := repo.MustCommit(t, "seed")
	repo.MustPush(t)

	dst := filepath.Join(t.TempDir(), "clone")
	if _, err := output("", "clone", "--quiet", srv.FileURL("config"), dst); err != nil {
		t.Fatal(err)
	}
	got, err := output(dst, "rev-parse", "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(head, got); diff != "" {
		t.Errorf("HEAD of file:// clone (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(dst, "clusters", "apps.yaml")); err != nil {
		t.Errorf("seed tree not copied: %v", err)
	}
}

// A server set to fail fails every Git request, each in its own way, and
// serves again once healthy.
func TestSetFault(t *testing.T) {
	srv := Start(t, Options{})
	repo := srv.MustCreate(t, "faulty")
	repo.MustWriteFiles(t, map[string]string{"a.txt": "a\n"})
	repo.MustCommit(t, "a")
	repo.MustPush(t)
	lsRemote := func() (string, error) { return output("", "ls-remote", srv.URL("faulty")) }
	for _, tc := range []struct {
		fault Fault
		want  string
	}{{Down, "503"}, {Garbage, ""}} {
		srv.SetFault(tc.fault)
		out, err := lsRemote()
		if err == nil {
			t.Errorf("fault %d: ls-remote succeeded: %s", tc.fault, out)
		} else if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("fault %d: %v, want it to name %q", tc.fault, err, tc.want)
		}
	}
	srv.SetFault(Healthy)
	if out, err := lsRemote(); err != nil || !strings.Contains(out, "refs/heads/main") {
		t.Errorf("healthy again: %q, %v", out, err)
	}
}

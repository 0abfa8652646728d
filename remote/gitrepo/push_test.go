package gitrepo

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

// gitCLI runs the git command line in dir, for checks made independently of
// the client under test.
func gitCLI(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_AUTHOR_NAME=someone", "GIT_AUTHOR_EMAIL=someone@example.com",
		"GIT_COMMITTER_NAME=someone", "GIT_COMMITTER_EMAIL=someone@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// pushFixture is a repository on a server with basic auth holding
// deploy/app.yaml ("v: 1") and README.md on main.
type pushFixture struct {
	srv  *gitserver.Server
	repo *gitserver.Repo
	head string
	spec Spec
	opts PushOptions
}

func newPushFixture(t *testing.T) *pushFixture {
	t.Helper()
	f := &pushFixture{srv: gitserver.Start(t, gitserver.Options{Username: "git", Password: "pa55-w0rd"})}
	f.repo = f.srv.MustCreate(t, "config")
	f.repo.MustWriteFiles(t, map[string]string{"deploy/app.yaml": "v: 1 # keep this comment\n", "README.md": "hello\n"})
	f.head = f.repo.MustCommit(t, "initial")
	f.repo.MustPush(t)
	f.spec = Spec{Name: "apps", URL: f.srv.URL("config"), Ref: Ref{Branch: "main"}, Auth: Auth{Username: "git", Password: "pa55-w0rd"}}
	f.opts = PushOptions{Options: Options{CacheDir: t.TempDir()}}
	return f
}

// pushConcurrent commits a file in the fixture's work clone and pushes it
// to the server, as another user would.
func (f *pushFixture) pushConcurrent(t *testing.T, name, content string) string {
	t.Helper()
	gitCLI(t, f.repo.Work, "pull", "--quiet", "--ff-only", "origin", "main")
	f.repo.MustWriteFiles(t, map[string]string{name: content})
	h := f.repo.MustCommit(t, "concurrent "+name)
	gitCLI(t, f.repo.Work, "push", "--quiet", "origin", "HEAD:main")
	return h
}

// serverFile reads a file of a branch on the server.
func (f *pushFixture) serverFile(t *testing.T, branch, name string) string {
	t.Helper()
	return gitCLI(t, f.repo.Bare, "show", branch+":"+name)
}

var bot = Signature{Name: "kubectl-gitops", Email: "noreply@oamgitops.dev"}

// bump sets deploy/app.yaml to v: N on whatever head it is given.
func bump(n string, calls *int) UpdateFunc {
	return func(_ context.Context, co *Checkout) (*Commit, error) {
		*calls++
		data, err := os.ReadFile(filepath.Join(co.Dir, "deploy", "app.yaml"))
		if err != nil {
			return nil, err
		}
		next := strings.Replace(string(data), "v: 1", "v: "+n, 1)
		if next == string(data) {
			return nil, nil
		}
		return &Commit{Files: map[string][]byte{"deploy/app.yaml": []byte(next)}, Message: "Update image automatically.\n\nv " + n + "\n",
			Author: bot, When: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}, nil
	}
}

func TestCommitAndPush(t *testing.T) {
	f := newPushFixture(t)
	calls := 0
	res, err := CommitAndPush(context.Background(), f.spec, f.opts, bump("2", &calls))
	if err != nil {
		t.Fatal(err)
	}
	want := &Pushed{Commit: gitCLI(t, f.repo.Bare, "rev-parse", "main"), Base: f.head, BaseRevision: "main@sha1:" + f.head, Branch: "main", Attempts: 1}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if got := f.serverFile(t, "main", "deploy/app.yaml"); got != "v: 2 # keep this comment" {
		t.Errorf("deploy/app.yaml on the server = %q", got)
	}
	// Only the changed file differs from the parent; author, committer and
	// message are as given.
	if got := gitCLI(t, f.repo.Bare, "diff", "--name-only", f.head, "main"); got != "deploy/app.yaml" {
		t.Errorf("changed files = %q", got)
	}
	if got := gitCLI(t, f.repo.Bare, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%P|%B", "main"); got != "kubectl-gitops <noreply@oamgitops.dev>|kubectl-gitops <noreply@oamgitops.dev>|"+f.head+"|Update image automatically.\n\nv 2" {
		t.Errorf("commit = %q", got)
	}
	gitCLI(t, f.repo.Bare, "fsck", "--strict")

	// Nothing to do on the new head: no commit, nothing pushed.
	before := gitCLI(t, f.repo.Bare, "rev-parse", "main")
	res, err = CommitAndPush(context.Background(), f.spec, f.opts, bump("2", &calls))
	if err != nil {
		t.Fatal(err)
	}
	if res.Commit != "" || res.Base != before || gitCLI(t, f.repo.Bare, "rev-parse", "main") != before {
		t.Errorf("second run pushed something: %+v", res)
	}
}

// A commit pushed by someone else between the fetch and the push is kept:
// the update is made again on top of it.
func TestCommitAndPushRetriesWhenBranchMoved(t *testing.T) {
	f := newPushFixture(t)
	calls := 0
	var concurrent string
	update := func(ctx context.Context, co *Checkout) (*Commit, error) {
		if calls == 0 {
			concurrent = f.pushConcurrent(t, "other.yaml", "x: 1\n")
		}
		return bump("2", &calls)(ctx, co)
	}
	res, err := CommitAndPush(context.Background(), f.spec, f.opts, update)
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 2 || calls != 2 || res.Base != concurrent {
		t.Errorf("want 2 attempts on top of %s, got %+v after %d calls", concurrent, res, calls)
	}
	if got := gitCLI(t, f.repo.Bare, "rev-parse", "main^"); got != concurrent {
		t.Errorf("pushed commit's parent = %s, want the concurrent commit %s", got, concurrent)
	}
	if got := f.serverFile(t, "main", "other.yaml"); got != "x: 1" {
		t.Errorf("concurrent change lost: other.yaml = %q", got)
	}
	if got := f.serverFile(t, "main", "deploy/app.yaml"); got != "v: 2 # keep this comment" {
		t.Errorf("deploy/app.yaml = %q", got)
	}
}

// preReceive installs a pre-receive hook in the bare repository.
func preReceive(t *testing.T, repo *gitserver.Repo, script string) {
	t.Helper()
	hook := filepath.Join(repo.Bare, "hooks", "pre-receive")
	if err := os.MkdirAll(filepath.Dir(hook), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hook, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
}

// The race the server itself detects: another push lands after the
// client read the branch and before the server updates it.
func TestCommitAndPushRetriesWhenServerRefuses(t *testing.T) {
	f := newPushFixture(t)
	f.repo.MustWriteFiles(t, map[string]string{"other.yaml": "x: 1\n"})
	concurrent := f.repo.MustCommit(t, "concurrent")
	mark := filepath.Join(t.TempDir(), "raced")
	// On the first push only, push the concurrent commit from inside the
	// hook (outside its quarantine), so the server finds main moved.
	preReceive(t, f.repo, `[ -e "`+mark+`" ] && exit 0
touch "`+mark+`"
unset GIT_DIR GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
cd "`+f.repo.Work+`" && git push --quiet origin HEAD:main >&2
`)
	calls := 0
	res, err := CommitAndPush(context.Background(), f.spec, f.opts, bump("2", &calls))
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 2 || res.Base != concurrent {
		t.Errorf("want 2 attempts on top of %s, got %+v", concurrent, res)
	}
	if got := gitCLI(t, f.repo.Bare, "rev-parse", "main^"); got != concurrent {
		t.Errorf("pushed commit's parent = %s, want %s", got, concurrent)
	}
	if got := f.serverFile(t, "main", "other.yaml"); got != "x: 1" {
		t.Errorf("concurrent change lost: other.yaml = %q", got)
	}
}

func TestCommitAndPushFailures(t *testing.T) {
	tests := map[string]struct {
		prepare  func(t *testing.T, f *pushFixture)
		spec     func(s *Spec)
		opts     func(o *PushOptions)
		update   func(f *pushFixture, t *testing.T) UpdateFunc
		wantErr  error
		wantText []string
	}{
		"refused by the server": {
			prepare:  func(t *testing.T, f *pushFixture) { preReceive(t, f.repo, "echo 'protected branch' >&2\nexit 1\n") },
			wantText: []string{"source apps (http://127.0.0.1:", "push:", "protected branch", "nothing was pushed; the next run tries again"},
		},
		"branch keeps moving": {
			update: func(f *pushFixture, t *testing.T) UpdateFunc {
				n := 0
				return func(ctx context.Context, co *Checkout) (*Commit, error) {
					n++
					f.pushConcurrent(t, "other.yaml", strings.Repeat("x", n)+"\n")
					calls := 0
					return bump("2", &calls)(ctx, co)
				}
			},
			opts:     func(o *PushOptions) { o.MaxAttempts = 3 },
			wantErr:  ErrBranchMoved,
			wantText: []string{"branch main moved during each of 3 attempts", "nothing was pushed"},
		},
		"file not in the commit": {
			update: func(*pushFixture, *testing.T) UpdateFunc {
				return func(context.Context, *Checkout) (*Commit, error) {
					return &Commit{Files: map[string][]byte{"deploy/new.yaml": []byte("x")}, Message: "m", Author: bot}, nil
				}
			},
			wantText: []string{"deploy/new.yaml: not in the commit", "nothing was pushed"},
		},
		"path out of the repository": {
			update: func(*pushFixture, *testing.T) UpdateFunc {
				return func(context.Context, *Checkout) (*Commit, error) {
					return &Commit{Files: map[string][]byte{"../x.yaml": []byte("x")}, Message: "m", Author: bot}, nil
				}
			},
			wantText: []string{`"../x.yaml" is not a path in the repository`},
		},
		"tag ref": {
			spec:     func(s *Spec) { s.Ref = Ref{Tag: "v1"} },
			wantErr:  ErrInvalidRef,
			wantText: []string{"commits go on a branch, but the source follows tag v1"},
		},
		"wrong password": {
			spec:     func(s *Spec) { s.Auth.Password = "wr0ng-pa55" },
			wantErr:  ErrAuthFailed,
			wantText: []string{"source apps ("},
		},
		"update fails": {
			update: func(*pushFixture, *testing.T) UpdateFunc {
				return func(context.Context, *Checkout) (*Commit, error) { return nil, errors.New("registry down") }
			},
			wantText: []string{"registry down"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newPushFixture(t)
			if tc.prepare != nil {
				tc.prepare(t, f)
			}
			spec, opts := f.spec, f.opts
			if tc.spec != nil {
				tc.spec(&spec)
			}
			if tc.opts != nil {
				tc.opts(&opts)
			}
			calls := 0
			update := bump("2", &calls)
			if tc.update != nil {
				update = tc.update(f, t)
			}
			before := gitCLI(t, f.repo.Bare, "rev-parse", "main")
			_, err := CommitAndPush(context.Background(), spec, opts, update)
			if err == nil {
				t.Fatal("CommitAndPush succeeded")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error = %v, want %v", err, tc.wantErr)
			}
			t.Log(err)
			for _, want := range tc.wantText {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			for _, secret := range []string{"pa55-w0rd", "wr0ng-pa55"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows a password", err)
				}
			}
			if got := f.serverFile(t, "main", "deploy/app.yaml"); got != "v: 1 # keep this comment" {
				t.Errorf("deploy/app.yaml changed on the server: %q", got)
			}
			if name != "branch keeps moving" && gitCLI(t, f.repo.Bare, "rev-parse", "main") != before {
				t.Errorf("main moved")
			}
		})
	}
}

// A push branch other than the checkout branch is created from it, and
// later commits go on top of it.
func TestCommitAndPushToOtherBranch(t *testing.T) {
	f := newPushFixture(t)
	opts := f.opts
	opts.Branch = "image-updates"
	calls := 0
	res, err := CommitAndPush(context.Background(), f.spec, opts, bump("2", &calls))
	if err != nil {
		t.Fatal(err)
	}
	if res.Branch != "image-updates" || res.Base != f.head || gitCLI(t, f.repo.Bare, "rev-parse", "image-updates^") != f.head {
		t.Errorf("first push: %+v", res)
	}
	if got := gitCLI(t, f.repo.Bare, "rev-parse", "main"); got != f.head {
		t.Errorf("main moved to %s", got)
	}
	first := res.Commit
	update := func(_ context.Context, co *Checkout) (*Commit, error) {
		return &Commit{Files: map[string][]byte{"README.md": []byte("hello again\n")}, Message: "second", Author: bot}, nil
	}
	res, err = CommitAndPush(context.Background(), f.spec, opts, update)
	if err != nil {
		t.Fatal(err)
	}
	if res.Base != first || gitCLI(t, f.repo.Bare, "rev-parse", "image-updates^") != first {
		t.Errorf("second push not on top of the first: %+v", res)
	}
	if got := f.serverFile(t, "image-updates", "deploy/app.yaml"); got != "v: 2 # keep this comment" {
		t.Errorf("first update lost: %q", got)
	}
}

// The default branch is found from the remote; a checkout the caller
// fetched is used for the first attempt and left in place.
func TestCommitAndPushDefaultBranchAndGivenCheckout(t *testing.T) {
	f := newPushFixture(t)
	spec := f.spec
	spec.Ref = Ref{}
	co, err := Fetch(context.Background(), spec, Options{CacheDir: f.opts.CacheDir})
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(co.Dir)
	opts := f.opts
	opts.Checkout = co
	var seen []string
	update := func(ctx context.Context, c *Checkout) (*Commit, error) {
		seen = append(seen, c.Dir)
		calls := 0
		return bump("3", &calls)(ctx, c)
	}
	res, err := CommitAndPush(context.Background(), spec, opts, update)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{co.Dir}, seen); diff != "" {
		t.Errorf("checkouts given to update (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(co.Dir); err != nil {
		t.Errorf("the caller's checkout was removed: %v", err)
	}
	if res.Branch != "main" || f.serverFile(t, "main", "deploy/app.yaml") != "v: 3 # keep this comment" {
		t.Errorf("result %+v", res)
	}
}

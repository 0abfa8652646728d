package gitrepo

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

// fixture is a repository on a real server with:
//
//	main:    c1 (tag v1.0.0) → c2 (annotated tag v1.1.0, tag not-a-version) → c3 (tag v2.0.0)
//	feature: c2 → f1
type fixture struct {
	srv            *gitserver.Server
	repo           *gitserver.Repo
	c1, c2, c3, f1 string
	user, password string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{user: "git", password: "pa55-w0rd"}
	f.srv = gitserver.Start(t, gitserver.Options{Username: f.user, Password: f.password})
	f.repo = f.srv.MustCreate(t, "app")
	commit := func(v string) string {
		f.repo.MustWriteFiles(t, map[string]string{"deploy/app.yaml": "v: " + v + "\n"})
		return f.repo.MustCommit(t, "v"+v)
	}
	f.c1 = commit("1")
	f.repo.MustTag(t, "v1.0.0")
	f.c2 = commit("2")
	if err := f.repo.AnnotatedTag("v1.1.0", "release 1.1"); err != nil {
		t.Fatal(err)
	}
	f.repo.MustTag(t, "not-a-version")
	if err := f.repo.Branch("feature"); err != nil {
		t.Fatal(err)
	}
	f.f1 = commit("feature")
	if err := f.repo.Switch("main"); err != nil {
		t.Fatal(err)
	}
	f.c3 = commit("3")
	f.repo.MustTag(t, "v2.0.0")
	f.repo.MustPush(t)
	return f
}

func (f *fixture) auth() Auth { return Auth{Username: f.user, Password: f.password} }

func readApp(t *testing.T, co *Checkout) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(co.Dir, "deploy", "app.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func testOptions(t *testing.T) Options {
	return Options{CacheDir: t.TempDir(), WorkDir: filepath.Join(t.TempDir(), "work")}
}

func TestFetchRefs(t *testing.T) {
	f := newFixture(t)
	type want struct{ revision, content string }
	tests := map[string]struct {
		url     string
		ref     Ref
		want    want
		wantErr error
	}{
		"branch":               {ref: Ref{Branch: "main"}, want: want{"main@sha1:" + f.c3, "v: 3\n"}},
		"default branch":       {want: want{"main@sha1:" + f.c3, "v: 3\n"}},
		"other branch":         {ref: Ref{Branch: "feature"}, want: want{"feature@sha1:" + f.f1, "v: feature\n"}},
		"tag":                  {ref: Ref{Tag: "v1.0.0"}, want: want{"v1.0.0@sha1:" + f.c1, "v: 1\n"}},
		"annotated tag":        {ref: Ref{Tag: "v1.1.0"}, want: want{"v1.1.0@sha1:" + f.c2, "v: 2\n"}},
		"semver range":         {ref: Ref{SemVer: ">=1.0.0 <2.0.0"}, want: want{"v1.1.0@sha1:" + f.c2, "v: 2\n"}},
		"semver highest":       {ref: Ref{SemVer: ">=1.0.0"}, want: want{"v2.0.0@sha1:" + f.c3, "v: 3\n"}},
		"semver tilde":         {ref: Ref{SemVer: "~1.0"}, want: want{"v1.0.0@sha1:" + f.c1, "v: 1\n"}},
		"commit":               {ref: Ref{Commit: f.c1}, want: want{"sha1:" + f.c1, "v: 1\n"}},
		"short commit":         {ref: Ref{Commit: f.c2[:8]}, want: want{"sha1:" + f.c2, "v: 2\n"}},
		"commit on branch":     {ref: Ref{Branch: "main", Commit: f.c1}, want: want{"main@sha1:" + f.c1, "v: 1\n"}},
		"file url":             {url: f.srv.FileURL("app"), ref: Ref{Tag: "v1.0.0"}, want: want{"v1.0.0@sha1:" + f.c1, "v: 1\n"}},
		"commit not on branch": {ref: Ref{Branch: "main", Commit: f.f1}, wantErr: ErrRefNotFound},
		"missing branch":       {ref: Ref{Branch: "nope"}, wantErr: ErrRefNotFound},
		"missing tag":          {ref: Ref{Tag: "v9.9.9"}, wantErr: ErrRefNotFound},
		"missing commit":       {ref: Ref{Commit: strings.Repeat("ab", 20)}, wantErr: ErrRefNotFound},
		"no tag in range":      {ref: Ref{SemVer: ">=3.0.0"}, wantErr: ErrRefNotFound},
		"conflicting ref":      {ref: Ref{Branch: "main", Tag: "v1.0.0"}, wantErr: ErrInvalidRef},
		"bad semver":           {ref: Ref{SemVer: "one-ish"}, wantErr: ErrInvalidRef},
		"missing repository":   {url: f.srv.URL("nope"), wantErr: ErrRepositoryNotFound},
	}
	cacheDir := t.TempDir() // shared: every case after the first reuses the clone
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			url := tc.url
			if url == "" {
				url = f.srv.URL("app")
			}
			opts := testOptions(t)
			opts.CacheDir = cacheDir
			co, err := Fetch(context.Background(), Spec{Name: "apps", URL: url, Ref: tc.ref, Auth: f.auth()}, opts)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Fetch error = %v, want %v", err, tc.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "source apps (") {
					t.Errorf("error %q does not name the source", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := want{co.Revision, readApp(t, co)}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("checkout (-want +got):\n%s", diff)
			}
			if co.Dir != opts.WorkDir {
				t.Errorf("Dir = %s, want %s", co.Dir, opts.WorkDir)
			}
		})
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestFetchAuth(t *testing.T) {
	const user, password, token = "deploy", "Sup3r-s3cret", "t0ken-value"
	basic := gitserver.Start(t, gitserver.Options{Username: user, Password: password})
	bearer := gitserver.Start(t, gitserver.Options{BearerToken: token})
	tlsSrv := gitserver.Start(t, gitserver.Options{TLS: true, Username: user, Password: password})
	for _, s := range []*gitserver.Server{basic, bearer, tlsSrv} {
		r := s.MustCreate(t, "app")
		r.MustWriteFiles(t, map[string]string{"deploy/app.yaml": "v: 1\n"})
		r.MustCommit(t, "v1")
		r.MustPush(t)
	}
	withUserinfo := func(u, userinfo string) string { return strings.Replace(u, "://", "://"+userinfo+"@", 1) }
	tests := map[string]struct {
		url     string
		auth    Auth
		wantErr error
	}{
		"basic":                 {url: basic.URL("app"), auth: Auth{Username: user, Password: password}},
		"basic in url":          {url: withUserinfo(basic.URL("app"), user+":"+password)},
		"bearer token":          {url: bearer.URL("app"), auth: Auth{BearerToken: token}},
		"tls with ca":           {url: tlsSrv.URL("app"), auth: Auth{Username: user, Password: password, CAFile: tlsSrv.CACert()}},
		"wrong password":        {url: basic.URL("app"), auth: Auth{Username: user, Password: password + "x"}, wantErr: ErrAuthFailed},
		"wrong password in url": {url: withUserinfo(basic.URL("app"), user+":"+password+"x"), wantErr: ErrAuthFailed},
		"no credentials":        {url: basic.URL("app"), wantErr: ErrAuthFailed},
		"wrong token":           {url: bearer.URL("app"), auth: Auth{BearerToken: token + "x"}, wantErr: ErrAuthFailed},
		"tls without ca":        {url: tlsSrv.URL("app"), auth: Auth{Username: user, Password: password}},
		"unreachable":           {url: "http://" + withUserinfo(closedPort(t), user+":"+password) + "/app.git", wantErr: ErrUnreachable},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			co, err := Fetch(context.Background(), Spec{Name: "apps", URL: tc.url, Ref: Ref{Branch: "main"}, Auth: tc.auth}, testOptions(t))
			if name == "tls without ca" {
				if err == nil || !strings.Contains(err.Error(), "certificate") {
					t.Fatalf("Fetch error = %v, want a certificate error", err)
				}
				return
			}
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if got := readApp(t, co); got != "v: 1\n" {
					t.Errorf("content = %q", got)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Fetch error = %v, want %v", err, tc.wantErr)
			}
			msg := err.Error()
			for _, secret := range []string{password, token, user + ":", "@127.0.0.1"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q contains %q", msg, secret)
				}
			}
			if !strings.HasPrefix(msg, "source apps (http") || !strings.Contains(msg, "127.0.0.1") || !strings.Contains(msg, "; check") {
				t.Errorf("error %q does not name the source and its URL", msg)
			}
			t.Log(msg)
		})
	}
}

// A fetch that resolves to the revision the caller knows writes nothing.
func TestFetchKnownRevisionWritesNothing(t *testing.T) {
	f := newFixture(t)
	opts := Options{CacheDir: t.TempDir()}
	for _, tc := range []struct {
		known   string
		wantDir bool
	}{
		{"main@sha1:" + f.c3, false},
		{"main@sha1:" + f.c2, true},
		{"", true},
	} {
		co, err := Fetch(context.Background(), Spec{URL: f.srv.URL("app"), Ref: Ref{Branch: "main"}, Auth: f.auth(), Known: tc.known}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if co.Revision != "main@sha1:"+f.c3 || (co.Dir != "") != tc.wantDir {
			t.Errorf("known %q: revision %s, dir %q; want main@sha1:%s and a dir: %v", tc.known, co.Revision, co.Dir, f.c3, tc.wantDir)
		}
		if tc.wantDir && readApp(t, co) != "v: 3\n" {
			t.Errorf("known %q: files of the wrong commit", tc.known)
		}
		if err := co.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// Credentials written into a URL move into the Auth and out of the
// endpoint that names the source in messages.
func TestEndpointTakesCredentialsOut(t *testing.T) {
	for _, tc := range []struct{ url, user, password, printed string }{
		{"https://u:pa55w0rd@git.example/x.git", "u", "pa55w0rd", "https://git.example/x.git"},
		{"deploy:pa55w0rd@git.example:org/x.git", "", "pa55w0rd", "ssh://deploy@git.example/org/x.git"},
		{"ssh://git:pa55w0rd@git.example/x.git", "", "pa55w0rd", "ssh://git@git.example/x.git"},
	} {
		ep, auth, err := endpoint(Spec{URL: tc.url})
		if err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		if got := ep.String(); got != tc.printed || strings.Contains(got, "pa55w0rd") {
			t.Errorf("%s: endpoint %s, want %s", tc.url, got, tc.printed)
		}
		if auth.Password != tc.password || auth.Username != tc.user {
			t.Errorf("%s: auth %q/%q, want %q/%q", tc.url, auth.Username, auth.Password, tc.user, tc.password)
		}
	}
}

package charts_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oamgitops/kubectl-gitops/krm/helm"
	"github.com/oamgitops/kubectl-gitops/remote/charts"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
	"github.com/oamgitops/kubectl-gitops/test/helmrepo"
)

var mysqlOperator = filepath.Join("..", "..", "testdata", "charts", "mysql-operator")

// version is the version of a packaged chart.
func version(t *testing.T, archive []byte) string {
	t.Helper()
	ch, err := helm.Load(archive)
	if err != nil {
		t.Fatal(err)
	}
	return ch.Metadata.Version
}

func provider(t *testing.T, opts charts.Options) *charts.Provider {
	t.Helper()
	p, err := charts.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// get looks ref up the way a build does: lookup, fetch what was missed,
// lookup again.
func get(t *testing.T, s *charts.Session, ref helm.ChartRef) ([]byte, error) {
	t.Helper()
	data, err := s.Chart(ref)
	if !errors.Is(err, helm.ErrNotAvailable) {
		return data, err
	}
	fetched, ferr := s.Fetch(context.Background())
	if ferr != nil {
		t.Fatal(ferr)
	}
	if !fetched {
		return data, err
	}
	return s.Chart(ref)
}

// A chart is fetched once from a Helm repository; after that the cache
// answers, without the network, in this process or the next.
func TestHelmRepositoryThenCache(t *testing.T) {
	srv := helmrepo.Start(t, helmrepo.Options{Charts: []string{mysqlOperator}})
	srv.MustAdd(t, mysqlOperator, "0.4.1")
	srv.MustAdd(t, mysqlOperator, "0.5.0")
	dir := t.TempDir()
	ref := helm.ChartRef{RepoType: helm.RepoHelm, URL: srv.URL() + "/", Chart: "mysql-operator", Version: "0.4.x"}

	s := provider(t, charts.Options{Dir: dir, AllowNetwork: true}).Session()
	if _, err := s.Chart(ref); !errors.Is(err, helm.ErrNotAvailable) {
		t.Fatalf("first lookup: %v, want a miss", err)
	}
	if fetched, err := s.Fetch(context.Background()); err != nil || !fetched {
		t.Fatalf("Fetch = %v, %v; want true, nil", fetched, err)
	}
	data, err := s.Chart(ref)
	if err != nil {
		t.Fatal(err)
	}
	if v := version(t, data); v != "0.4.1" {
		t.Errorf("0.4.x resolved to %s, want 0.4.1", v)
	}
	requests := srv.Requests()

	// Another process, the network allowed: the index is fresh, the
	// chart cached.
	again := provider(t, charts.Options{Dir: dir, AllowNetwork: true}).Session()
	if data, err := again.Chart(ref); err != nil || version(t, data) != "0.4.1" {
		t.Fatalf("second process: %v", err)
	}
	exact := ref
	exact.Version = "0.4.1"
	if _, err := again.Chart(exact); err != nil {
		t.Fatal(err)
	}
	if n := srv.Requests(); n != requests {
		t.Errorf("the repository was asked %d more times; the cache should have answered", n-requests)
	}

	// Offline, with the repository gone.
	srv.Close()
	offline := provider(t, charts.Options{Dir: dir}).Session()
	for _, r := range []helm.ChartRef{ref, exact} {
		if data, err := offline.Chart(r); err != nil || version(t, data) != "0.4.1" {
			t.Errorf("offline %s: %v", r, err)
		}
	}
	missing := ref
	missing.Version = "0.5.0"
	_, err = offline.Chart(missing)
	if !errors.Is(err, helm.ErrNotAvailable) || !strings.Contains(err.Error(), "this render may not fetch it (allowNetwork is off)") {
		t.Errorf("offline miss: %v", err)
	}
	if fetched, _ := offline.Fetch(context.Background()); fetched {
		t.Error("an offline session fetched")
	}
}

// An index older than MaxAge is fetched again for a constraint, so a new
// version is seen; an exact version never asks.
func TestIndexMaxAge(t *testing.T) {
	srv := helmrepo.Start(t, helmrepo.Options{Charts: []string{mysqlOperator}})
	dir := t.TempDir()
	ref := helm.ChartRef{RepoType: helm.RepoHelm, URL: srv.URL(), Chart: "mysql-operator", Version: "*"}
	p := provider(t, charts.Options{Dir: dir, AllowNetwork: true, MaxAge: time.Hour})
	if data, err := get(t, p.Session(), ref); err != nil || version(t, data) != "0.4.0" {
		t.Fatalf("%v", err)
	}
	srv.MustAdd(t, mysqlOperator, "0.4.2")
	if data, err := get(t, p.Session(), ref); err != nil || version(t, data) != "0.4.0" {
		t.Fatalf("within MaxAge: %v (want the cached answer 0.4.0)", err)
	}
	old := time.Now().Add(-2 * time.Hour)
	matches, _ := filepath.Glob(filepath.Join(dir, "*", "index.yaml"))
	if len(matches) != 1 {
		t.Fatalf("index files in the cache: %v", matches)
	}
	if err := os.Chtimes(matches[0], old, old); err != nil {
		t.Fatal(err)
	}
	if data, err := get(t, p.Session(), ref); err != nil || version(t, data) != "0.4.2" {
		t.Fatalf("after MaxAge: %v (want 0.4.2)", err)
	}
	// The repository is down and the index old: what it said last answers.
	srv.Close()
	if err := os.Chtimes(matches[0], old, old); err != nil {
		t.Fatal(err)
	}
	if data, err := get(t, p.Session(), ref); err != nil || version(t, data) != "0.4.2" {
		t.Fatalf("repository down: %v (want the cached 0.4.2)", err)
	}
}

func TestHelmRepositoryAuth(t *testing.T) {
	const user, password = "charts", "s3cret-chart-pa55"
	srv := helmrepo.Start(t, helmrepo.Options{Charts: []string{mysqlOperator}, Username: user, Password: password})
	secrets := map[string]gitrepo.Auth{
		"good": {Username: user, Password: password},
		"bad":  {Username: user, Password: "wrong-" + password},
	}
	creds := func(_ context.Context, namespace, name string) (gitrepo.Auth, error) {
		a, ok := secrets[name]
		if !ok || namespace != "db" {
			return gitrepo.Auth{}, errors.New("no such Secret")
		}
		return a, nil
	}
	cases := map[string]struct {
		secretRef string
		creds     gitrepo.CredentialsFunc
		want      string
	}{
		"credentials":     {secretRef: "good", creds: creds},
		"wrong password":  {secretRef: "bad", creds: creds, want: "401 Unauthorized: the repository refused the credentials in Secret db/bad"},
		"no secretRef":    {creds: creds, want: "401 Unauthorized: the repository needs credentials; name a Secret holding username and password in secretRef"},
		"no such Secret":  {secretRef: "other", creds: creds, want: "secretRef: no such Secret"},
		"no cluster":      {secretRef: "good", want: "secretRef good: the repository's credentials are in a cluster Secret, and there is no cluster to read it from"},
		"in the URL only": {want: "401 Unauthorized"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ref := helm.ChartRef{RepoType: helm.RepoHelm, URL: srv.URL(), Chart: "mysql-operator", Version: "0.4.0",
				SecretRef: tc.secretRef, Namespace: "db"}
			s := provider(t, charts.Options{Dir: t.TempDir(), AllowNetwork: true, Credentials: tc.creds}).Session()
			_, err := get(t, s, ref)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v\nwant it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
	t.Run("credentials in the URL", func(t *testing.T) {
		u := strings.Replace(srv.URL(), "http://", "http://"+user+":"+password+"@", 1)
		ref := helm.ChartRef{RepoType: helm.RepoHelm, URL: u, Chart: "mysql-operator", Version: "0.4.0"}
		if _, err := get(t, provider(t, charts.Options{Dir: t.TempDir(), AllowNetwork: true}).Session(), ref); err != nil {
			t.Fatal(err)
		}
	})
}

func TestHelmRepositoryErrors(t *testing.T) {
	srv := helmrepo.Start(t, helmrepo.Options{Charts: []string{mysqlOperator}})
	closed := helmrepo.Start(t, helmrepo.Options{})
	closedURL := closed.URL()
	closed.Close()
	cases := map[string]struct {
		ref  helm.ChartRef
		want string
	}{
		"unreachable": {ref: helm.ChartRef{URL: closedURL, Chart: "mysql-operator", Version: "0.4.0"},
			want: "repository index: the repository is unreachable: Get \"" + closedURL + "/index.yaml\""},
		"not a repository": {ref: helm.ChartRef{URL: srv.URL() + "/nothing", Chart: "mysql-operator", Version: "0.4.0"},
			want: "repository index: GET " + srv.URL() + "/nothing/index.yaml: 404 Not Found"},
		"no such chart": {ref: helm.ChartRef{URL: srv.URL(), Chart: "postgresql", Version: "*"},
			want: `the repository's index has no chart "postgresql"`},
		"no such version": {ref: helm.ChartRef{URL: srv.URL(), Chart: "mysql-operator", Version: "9.9.9"},
			want: `no version matches "9.9.9" (versions: 0.4.0)`},
		"bad chart name": {ref: helm.ChartRef{URL: srv.URL(), Chart: "../x", Version: "1.0.0"},
			want: `chart name "../x": a chart in a Helm or OCI repository is named by one path element`},
		"bad url": {ref: helm.ChartRef{URL: "ftp://charts.example", Chart: "x", Version: "1.0.0"},
			want: `url "ftp://charts.example": a Helm repository URL is http:// or https://`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tc.ref.RepoType = helm.RepoHelm
			_, err := get(t, provider(t, charts.Options{Dir: t.TempDir(), AllowNetwork: true}).Session(), tc.ref)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func mustRead(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

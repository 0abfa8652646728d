package imageauto

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
	"github.com/oamgitops/kubectl-gitops/test/registry"
)

const (
	gitUser     = "git"
	gitPassword = "g1t-pa55word"
	regUser     = "ci"
	regPassword = "r3gistry-pa55word"
)

// seedTags are the CI's tags: the policy picks master-5d6e7f8-1700000500;
// the signature tag would win were it not excluded, the feature tag does not
// match the filter.
var seedTags = []string{
	"master-9f1c2ab-1700000000", "master-5d6e7f8-1700000500", "master-0a1b2c3-1699999999",
	"master-eeeeeee-1700000900.sig", "feature-1234567-1800000000",
}

// fixture is the seed's config repo on a Git server with basic auth, its
// clusters/apps.yaml and apps/my-app.yaml pointing at a registry with basic
// auth that holds the seed's image.
type fixture struct {
	srv   *gitserver.Server
	repo  *gitserver.Repo
	reg   *registry.Server
	image string
	// dockerConfig is a docker config with the registry's credentials.
	dockerConfig []byte
	cacheDir     string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{
		srv:      gitserver.Start(t, gitserver.Options{Username: gitUser, Password: gitPassword}),
		reg:      registry.Start(t, registry.Options{Username: regUser, Password: regPassword, PageSize: 2}),
		cacheDir: t.TempDir(),
	}
	f.image = f.reg.Repository("testapp")
	f.reg.MustPush(t, "testapp", seedTags...)
	f.repo = f.srv.MustCreate(t, "config")
	f.repo.MustCopyTree(t, filepath.Join("..", "..", "testdata", "seed-repo"))
	rewrite := map[string][2]string{
		"clusters/apps.yaml": {"url: http://127.0.0.1:0/config.git", "url: " + f.srv.URL("config")},
		"apps/my-app.yaml":   {"127.0.0.1:5000/testapp", f.image},
	}
	files := map[string]string{}
	for name, r := range rewrite {
		data, err := os.ReadFile(filepath.Join(f.repo.Work, name))
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(data), r[0], r[1])
		if name == "clusters/apps.yaml" {
			text = strings.ReplaceAll(text, "image: 127.0.0.1:5000/testapp", "image: "+f.image)
		}
		if text == string(data) {
			t.Fatalf("%s: nothing to rewrite", name)
		}
		files[name] = text
	}
	f.repo.MustWriteFiles(t, files)
	f.repo.MustCommit(t, "seed")
	f.repo.MustPush(t)
	auth := base64.StdEncoding.EncodeToString([]byte(regUser + ":" + regPassword))
	cfg, err := json.Marshal(map[string]any{"auths": map[string]any{f.reg.Addr(): map[string]string{"auth": auth}}})
	if err != nil {
		t.Fatal(err)
	}
	f.dockerConfig = cfg
	return f
}

// sources reads the sources of clusters/apps.yaml in the user's clone.
func (f *fixture) sources(t *testing.T) []Source {
	t.Helper()
	nodes, err := source.ReadApplications(filepath.Join(f.repo.Work, "clusters", "apps.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := FromApplications(nodes, "default", "")
	if err != nil {
		t.Fatal(err)
	}
	return srcs
}

// updater updates with the fixture's credentials; the Secret names must be
// the seed's.
func (f *fixture) updater(t *testing.T) *Updater {
	return &Updater{
		GitCredentials: func(_ context.Context, ns, name string) (gitrepo.Auth, error) {
			if ns != "default" || name != "git-secret" {
				t.Errorf("Git credentials asked for Secret %s/%s", ns, name)
			}
			return gitrepo.Auth{Username: gitUser, Password: gitPassword}, nil
		},
		RegistryCredentials: func(_ context.Context, ns, name string) (RegistryCredentials, error) {
			kc, err := DockerConfigKeychain(f.dockerConfig)
			return RegistryCredentials{Keychain: kc, From: "the test's docker config"}, err
		},
		Fetch:   gitrepo.Options{CacheDir: f.cacheDir},
		Options: Options{Progress: &testWriter{t: t}},
	}
}

// serverFile reads a file of main on the server.
func (f *fixture) serverFile(t *testing.T, name string) string {
	t.Helper()
	return gitOut(t, f.repo.Bare, "show", "main:"+name)
}

// gitOut runs the git command line, for checks made independently of the
// client under test.
func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_AUTHOR_NAME=dev", "GIT_AUTHOR_EMAIL=dev@example.com", "GIT_COMMITTER_NAME=dev", "GIT_COMMITTER_EMAIL=dev@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimRight(string(out), "\n")
}

// testWriter logs progress lines.
type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

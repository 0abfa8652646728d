package cmd_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oamgitops/kubectl-gitops/internal/testbin"
	"github.com/oamgitops/kubectl-gitops/plugin/imageauto"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
	"github.com/oamgitops/kubectl-gitops/test/helmrepo"
	"github.com/oamgitops/kubectl-gitops/test/registry"
)

const (
	registryUser     = "ci-bot"
	registryPassword = "r3g-pa55word"
	oldTag           = "master-9f1c2ab-1700000000"
	newTag           = "master-5d6e7f8-1700000500"
)

// imageSeed is the seed's config repo on a Git server with basic auth and
// the CI's image in a registry with basic auth that lists tags two at a
// time; clusters/apps.yaml and apps/my-app.yaml point at both.
type imageSeed struct {
	repo  *gitserver.Repo
	reg   *registry.Server
	image string
	// gitURL is the config repo's URL on the Git server.
	gitURL string
	// sealed is set by addInfra: mysql-secret is in Git, SOPS-encrypted.
	sealed bool
}

// newImageSeed builds the fixture; edit changes the seed files' text
// before the first commit.
func newImageSeed(t *testing.T, edit func(name, text string) string) *imageSeed {
	t.Helper()
	s := &imageSeed{reg: registry.Start(t, registry.Options{Username: registryUser, Password: registryPassword, PageSize: 2})}
	s.image = s.reg.Repository("testapp")
	s.reg.MustPush(t, "testapp", oldTag, "master-0a1b2c3-1699999999", "master-eeeeeee-1700000900.sig", "feature-1234567-1800000000")
	srv := gitserver.Start(t, gitserver.Options{Username: gitUser, Password: gitPassword})
	s.repo, s.gitURL = srv.MustCreate(t, "config"), srv.URL("config")
	s.repo.MustCopyTree(t, "../../testdata/seed-repo")
	files := map[string]string{}
	for _, name := range []string{"clusters/apps.yaml", "apps/my-app.yaml"} {
		data, err := os.ReadFile(filepath.Join(s.repo.Work, name))
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(data), "url: http://127.0.0.1:0/config.git", "url: "+srv.URL("config"))
		text = strings.ReplaceAll(text, "127.0.0.1:5000/testapp", s.image)
		if edit != nil {
			text = edit(name, text)
		}
		files[name] = text
	}
	s.repo.MustWriteFiles(t, files)
	s.repo.MustCommit(t, "seed")
	s.repo.MustPush(t)
	return s
}

// addInfra commits the seed's infrastructure for namespace ns:
// clusters/infra.yaml pointing at the config repo, the MySQL operator's
// chart in a Helm repository of the test, and mysql-secret encrypted with
// sops, its age key in the Secret sops-age of ns.
func (s *imageSeed) addInfra(ctx context.Context, t *testing.T, ns string) {
	t.Helper()
	charts := helmrepo.Start(t, helmrepo.Options{Charts: []string{"../../testdata/charts/mysql-operator"}})
	files := map[string]string{}
	for name, url := range map[string][2]string{
		"clusters/infra.yaml":       {"url: http://127.0.0.1:0/config.git", "url: " + s.gitURL},
		"infrastructure/mysql.yaml": {"url: http://127.0.0.1:0/charts", "url: " + charts.URL()},
	} {
		data, err := os.ReadFile(filepath.Join(s.repo.Work, name))
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(data), url[0], url[1])
		files[name] = strings.ReplaceAll(text, "namespace: default", "namespace: "+ns)
	}
	s.repo.MustWriteFiles(t, files)
	sealMySQLSecret(ctx, t, s.repo.Work, ns)
	s.sealed = true
	s.repo.MustCommit(t, "infrastructure")
	s.repo.MustPush(t)
}

// dockerConfig writes a docker config with the registry's credentials
// and returns its directory (for DOCKER_CONFIG).
func (s *imageSeed) dockerConfig(t *testing.T, password string) string {
	t.Helper()
	dir := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte(registryUser + ":" + password))
	data, err := json.Marshal(map[string]any{"auths": map[string]any{s.reg.Addr(): map[string]string{"auth": auth}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// clusterSecrets is newImageSeed's edit for a test in namespace ns with
// the credentials in cluster Secrets (see createSecrets).
func clusterSecrets(ns string) func(name, text string) string {
	return func(name, text string) string {
		text = strings.ReplaceAll(text, "namespace: default", "namespace: "+ns)
		text = strings.ReplaceAll(text, `"default:apps"`, `"`+ns+`:apps"`)
		return strings.Replace(text, "imageRepository:\n", "imageRepository:\n          secretRef: imagesecret\n", 1)
	}
}

// createSecrets creates in ns the Secrets the seed names: git-secret,
// imagesecret (docker-registry) and, unless it is sealed in Git,
// mysql-secret.
func (s *imageSeed) createSecrets(ctx context.Context, t *testing.T, ns string) {
	t.Helper()
	auth := base64.StdEncoding.EncodeToString([]byte(registryUser + ":" + registryPassword))
	dockerJSON, err := json.Marshal(map[string]any{"auths": map[string]any{s.reg.Addr(): map[string]string{"auth": auth}}})
	if err != nil {
		t.Fatal(err)
	}
	secrets := []*corev1.Secret{
		{ObjectMeta: metav1.ObjectMeta{Name: "git-secret"}, StringData: map[string]string{"username": gitUser, "password": gitPassword}},
		{ObjectMeta: metav1.ObjectMeta{Name: "imagesecret"}, Type: corev1.SecretTypeDockerConfigJson,
			Data: map[string][]byte{corev1.DockerConfigJsonKey: dockerJSON}},
	}
	if !s.sealed {
		secrets = append(secrets, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "mysql-secret"}, StringData: map[string]string{"ROOT_PASSWORD": "root-pw"}})
	}
	for _, sec := range secrets {
		if _, err := env.Client.CoreV1().Secrets(ns).Create(ctx, sec, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// serverGit runs git in the server's bare repository.
func (s *imageSeed) serverGit(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", s.repo.Bare}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimRight(string(out), "\n")
}

// gitopsNoCluster runs the plugin in dir as on a laptop with no
// kubeconfig: Git credentials from the environment, registry credentials
// from the docker config in dockerDir.
func gitopsNoCluster(t *testing.T, dir, dockerDir string, args ...string) testbin.Result {
	t.Helper()
	home := t.TempDir()
	res := testbin.Run(t, testbin.Options{Dir: dir, Env: []string{
		"XDG_CACHE_HOME=" + cacheDir(t), "HOME=" + home, "KUBECONFIG=" + filepath.Join(home, "no-kubeconfig"),
		"DOCKER_CONFIG=" + dockerDir, "GIT_USERNAME=" + gitUser, "GIT_PASSWORD=" + gitPassword,
	}}, filepath.Join(binDir, "kubectl-gitops"), args...)
	t.Logf("kubectl gitops %s: exit %d\n%s%s", strings.Join(args, " "), res.Code, res.Stderr, res.Stdout)
	noSecrets(t, res)
	return res
}

// noSecrets fails the test when output shows a password.
func noSecrets(t *testing.T, res testbin.Result) {
	t.Helper()
	for _, secret := range []string{gitPassword, registryPassword, "wr0ng-pa55word",
		base64.StdEncoding.EncodeToString([]byte(registryUser + ":" + registryPassword))} {
		if strings.Contains(res.Stdout+res.Stderr, secret) {
			t.Fatalf("output shows a secret:\n%s\n%s", res.Stdout, res.Stderr)
		}
	}
}

func skipShort(t *testing.T) {
	if testing.Short() {
		t.Skip("e2e test with a local Git server and registry; skipped under -short")
	}
}

// The seed's developer flow from a terminal: CI pushed master-<sha>-<ts>
// tags; `image update clusters/apps.yaml` commits the newest to Git with
// the seed's template, changing the marker line and nothing else; a second
// run commits nothing; a dry run shows the next update and commits nothing.
func TestImageUpdateSeedFlow(t *testing.T) {
	skipShort(t)
	s := newImageSeed(t, nil)
	docker := s.dockerConfig(t, registryPassword)
	before := s.serverGit(t, "show", "main:apps/my-app.yaml")
	head := s.serverGit(t, "rev-parse", "main")
	s.reg.MustPush(t, "testapp", newTag)

	res := gitopsNoCluster(t, s.repo.Work, docker, "image", "update", "clusters/apps.yaml")
	mustSucceed(t, res, "image update")
	wantLine := "apps/my-app.yaml:13: spec.components[0].properties.image: " + s.image + ":" + oldTag + " -> " + s.image + ":" + newTag + "\n"
	if res.Stdout != wantLine {
		t.Errorf("stdout = %q, want %q", res.Stdout, wantLine)
	}
	for _, want := range []string{"warning: no cluster", "default/git-secret are not read", "apps/apps: default:apps: " + s.image + ": 5 tags, selected " + newTag, "apps/apps: pushed "} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	after := s.serverGit(t, "show", "main:apps/my-app.yaml")
	if want := strings.Replace(before, oldTag, newTag, 1); after != want {
		t.Errorf("apps/my-app.yaml on the server:\n%s\nwant:\n%s", after, want)
	}
	if got := s.serverGit(t, "diff", "--numstat", head, "main"); got != "1\t1\tapps/my-app.yaml" {
		t.Errorf("the update changed more than the marker line: %q", got)
	}
	wantCommit := "kubectl-gitops <noreply@oamgitops.dev>\nUpdate image automatically.\nImage: " + s.image + ":" + newTag
	if got := s.serverGit(t, "log", "-1", "--format=%an <%ae>%n%B", "main"); got != wantCommit {
		t.Errorf("commit:\n%s\nwant:\n%s", got, wantCommit)
	}
	if got := s.serverGit(t, "log", "-1", "--format=%P", "main"); got != head {
		t.Errorf("parent %s, want %s", got, head)
	}

	pushed := s.serverGit(t, "rev-parse", "main")
	res = gitopsNoCluster(t, s.repo.Work, docker, "image", "update", "clusters/apps.yaml")
	mustSucceed(t, res, "second image update")
	if res.Stdout != "" || !strings.Contains(res.Stderr, "apps/apps: up to date") || s.serverGit(t, "rev-parse", "main") != pushed {
		t.Errorf("second run changed something")
	}

	s.reg.MustPush(t, "testapp", "master-abcdef0-1700000600")
	res = gitopsNoCluster(t, s.repo.Work, docker, "image", "update", "clusters/apps.yaml", "--dry-run", "-o", "json")
	mustSucceed(t, res, "image update --dry-run")
	var results []imageauto.Result
	if err := json.Unmarshal([]byte(res.Stdout), &results); err != nil {
		t.Fatalf("-o json: %v\n%s", err, res.Stdout)
	}
	if len(results) != 1 || !results[0].DryRun || results[0].Commit != "" || len(results[0].Changes) != 1 ||
		results[0].Changes[0].New != s.image+":master-abcdef0-1700000600" || results[0].Message != "Update image automatically.\nImage: "+s.image+":master-abcdef0-1700000600\n" {
		t.Errorf("dry run result:\n%s", res.Stdout)
	}
	if s.serverGit(t, "rev-parse", "main") != pushed {
		t.Errorf("the dry run pushed")
	}
}

// Someone pushes to main while the update is on its way: the server
// refuses the push, and the update is made again on top of their commit,
// which stays.
func TestImageUpdateConcurrentCommit(t *testing.T) {
	skipShort(t)
	s := newImageSeed(t, nil)
	s.reg.MustPush(t, "testapp", newTag)
	s.repo.MustWriteFiles(t, map[string]string{"apps/NOTES.md": "a teammate's change\n"})
	theirs := s.repo.MustCommit(t, "a teammate's change")
	mark := filepath.Join(t.TempDir(), "raced")
	// On the first push only, the hook pushes the teammate's commit (from
	// outside its quarantine), so the server finds main moved.
	hook := "#!/bin/sh\n[ -e \"" + mark + "\" ] && exit 0\ntouch \"" + mark + "\"\n" +
		"unset GIT_DIR GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES\n" +
		"cd \"" + s.repo.Work + "\" && git push --quiet origin HEAD:main >&2\n"
	if err := os.WriteFile(filepath.Join(s.repo.Bare, "hooks", "pre-receive"), []byte(hook), 0o755); err != nil {
		t.Fatal(err)
	}
	res := gitopsNoCluster(t, s.repo.Work, s.dockerConfig(t, registryPassword), "image", "update", "clusters/apps.yaml", "-o", "yaml")
	mustSucceed(t, res, "image update")
	if !strings.Contains(res.Stderr, "the branch moved; updating again") || !strings.Contains(res.Stdout, "attempts: 2") {
		t.Errorf("no retry reported")
	}
	if got := s.serverGit(t, "log", "-1", "--format=%P%n%B", "main"); !strings.HasPrefix(got, theirs+"\nUpdate image automatically.\n") {
		t.Errorf("head of main: %q, want the update on top of %s", got, theirs)
	}
	if got := s.serverGit(t, "show", "main:apps/NOTES.md"); got != "a teammate's change" {
		t.Errorf("the teammate's change is lost: %q", got)
	}
	if !strings.Contains(s.serverGit(t, "show", "main:apps/my-app.yaml"), newTag) {
		t.Errorf("the update is lost")
	}
}

// Mistakes fail with the source, the object and the field, or the
// registry and the image, push nothing and print no password.
func TestImageUpdateFaults(t *testing.T) {
	skipShort(t)
	tests := map[string]struct {
		edit     func(name, text string) string
		password string
		want     []string
	}{
		"wrong registry password": {
			password: "wr0ng-pa55word",
			want:     []string{"error: source apps/apps: clusters/apps.yaml: Application default/apps: spec.components[0].properties.imageRepository: registry 127.0.0.1:", "/testapp: authentication failed", "the local docker config"},
		},
		"invalid regular expression": {
			edit: func(name, text string) string { return strings.Replace(text, "[a-f0-9]+-", "[a-f0-9+-", 1) },
			want: []string{"error: source apps/apps: clusters/apps.yaml: Application default/apps: spec.components[0].properties.imageRepository.filterTags.pattern: invalid regular expression"},
		},
		"unknown policy in the marker": {
			edit: func(name, text string) string { return strings.Replace(text, `"default:apps"`, `"default:nope"`, 1) },
			want: []string{"warning: apps/my-app.yaml:13: Application default/my-app: spec.components[0].properties.image: marker names policy default:nope", "(this source's policies: default:apps)"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := newImageSeed(t, tc.edit)
			s.reg.MustPush(t, "testapp", newTag)
			head := s.serverGit(t, "rev-parse", "main")
			password := tc.password
			if password == "" {
				password = registryPassword
			}
			res := gitopsNoCluster(t, s.repo.Work, s.dockerConfig(t, password), "image", "update", "clusters/apps.yaml")
			if name == "unknown policy in the marker" {
				mustSucceed(t, res, "image update")
			} else if res.Code != 1 {
				t.Errorf("exit %d, want 1", res.Code)
			}
			for _, want := range tc.want {
				if !strings.Contains(res.Stderr, want) {
					t.Errorf("stderr lacks %q", want)
				}
			}
			if s.serverGit(t, "rev-parse", "main") != head {
				t.Errorf("something was pushed")
			}
		})
	}
}

// In the cluster: the Git and registry credentials come from the Secrets
// the Application names, and a sync after the update runs the new image.
func TestImageUpdateWithClusterSecretsThenSync(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s := newImageSeed(t, clusterSecrets(ns))
	s.reg.MustPush(t, "testapp", newTag)
	s.createSecrets(ctx, t, ns)
	// No GIT_* variables and an empty docker config: only the Secrets work.
	empty := t.TempDir()
	res := gitopsEnv(t, s.repo.Work, []string{"DOCKER_CONFIG=" + empty, "GIT_USERNAME=", "GIT_PASSWORD="}, "image", "update", "clusters/apps.yaml")
	noSecrets(t, res)
	mustSucceed(t, res, "image update")
	if !strings.Contains(res.Stderr, "apps/apps: pushed ") || strings.Contains(res.Stderr, "no cluster") {
		t.Errorf("stderr:\n%s", res.Stderr)
	}

	res = gitops(t, s.repo.Work, "sync", "clusters/apps.yaml")
	mustSucceed(t, res, "sync after the update")
	d, err := env.Client.AppsV1().Deployments(ns).Get(ctx, "my-server", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Spec.Template.Spec.Containers[0].Image; got != s.image+":"+newTag {
		t.Errorf("my-server runs %s, want %s:%s", got, s.image, newTag)
	}
}

// Command demo runs the seed's story against real parts on this machine:
// a local cluster (test/cluster), a Git server with basic auth
// (test/gitserver) holding testdata/seed-repo, a Helm repository
// (test/helmrepo) serving the MySQL operator's chart, an image registry
// (test/registry) holding the tags the seed's CI pushes, and the built
// kubectl-gitops. It builds the infrastructure (the chart rendered
// client-side), syncs it (the operator, then its MysqlCluster once the
// operator is healthy), then the app, and lists them like `vela ls`; while
// `kubectl gitops watch` runs in the background, a commit changes the Ingress
// domain and CI pushes a new image tag, and watch brings both to the cluster
// (committing the tag to Git first); then it reverts the domain and syncs,
// and removes the app's file and syncs (prune).
// Everything it starts stops when it ends.
//
// Usage: go run ./hack/demo [-bin bin/kubectl-gitops]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oamgitops/kubectl-gitops/test/cluster"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
	"github.com/oamgitops/kubectl-gitops/test/helmrepo"
	"github.com/oamgitops/kubectl-gitops/test/registry"
)

// demoUser and demoPassword guard the demo's Git server; the password lives
// only in this process and the cluster's git-secret.
const demoUser = "demo"

func main() {
	bin := flag.String("bin", "bin/kubectl-gitops", "the kubectl-gitops binary")
	flag.Parse()
	if err := run(*bin); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(bin string) error {
	bin, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()

	step("starting a local cluster (etcd, kube-apiserver, controller-manager, scheduler, kwok; as root a real node too)")
	c, err := cluster.StartWithOptions(ctx, cluster.Options{Log: os.Stderr, RealNode: os.Geteuid() == 0})
	if err != nil {
		return err
	}
	defer c.Stop()

	step("starting a Helm repository serving testdata/charts/mysql-operator (the seed's operator chart)")
	charts, err := helmrepo.New(helmrepo.Options{Charts: []string{"testdata/charts/mysql-operator"}})
	if err != nil {
		return err
	}
	defer charts.Close()
	fmt.Println("chart repository:", charts.URL())

	step("starting an image registry with the tags the seed's CI pushed (master-<sha>-<timestamp>)")
	reg, err := registry.New(registry.Options{})
	if err != nil {
		return err
	}
	defer reg.Close()
	if err := reg.Push(ctx, "testapp", "master-9f1c2ab-1700000000", "master-0a1b2c3-1699999999"); err != nil {
		return err
	}
	fmt.Println("registry:", reg.Repository("testapp"))

	step("starting a Git server with basic auth and pushing testdata/seed-repo to it")
	password := fmt.Sprintf("demo-%d", time.Now().UnixNano())
	srv, err := gitserver.New(gitserver.Options{Username: demoUser, Password: password})
	if err != nil {
		return err
	}
	defer srv.Close()
	repo, err := seedRepo(srv, charts.URL(), reg.Repository("testapp"))
	if err != nil {
		return err
	}
	fmt.Println("config repo:", srv.URL("config"), "(clone:", repo.Work+")")

	step("creating git-secret, as the seed asks")
	gitSecret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "git-secret", Namespace: "default"},
		StringData: map[string]string{"username": demoUser, "password": password}}
	if _, err := c.Client.CoreV1().Secrets("default").Create(ctx, gitSecret, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	step("mysql-secret is not created by hand: it goes into Git encrypted with sops (age), its key into the cluster")
	keyFile, err := sealMySQLSecret(ctx, c, repo)
	if err != nil {
		return err
	}

	k := kubectl{bin: c.Binaries.Kubectl, kubeconfig: c.Kubeconfig}
	g := gitops{bin: bin, kubeconfig: c.Kubeconfig, dir: repo.Work, cache: filepath.Join(c.Dir, "git-cache")}

	step("kubectl gitops build infrastructure   (the operator's Helm chart is fetched into the cache, rendered client-side; SOPS_AGE_KEY_FILE decrypts mysql-secret, printed masked)")
	if err := g.build("infrastructure", "SOPS_AGE_KEY_FILE="+keyFile); err != nil {
		return err
	}

	step("kubectl gitops sync clusters/infra.yaml   (operator first; MysqlCluster once it is healthy)")
	if err := g.run("sync", "clusters/infra.yaml"); err != nil {
		return err
	}
	step("kubectl gitops sync clusters/apps.yaml    (my-app: Deployment, Service, Ingress)")
	if err := g.run("sync", "clusters/apps.yaml"); err != nil {
		return err
	}
	k.run("get", "deployments,services,ingresses,mysqlclusters", "-n", "default")
	k.run("get", "secret", "mysql-secret", "-n", "default") // decrypted in memory, applied; Git holds ciphertext

	step("kubectl gitops ls   (what runs, like vela ls: the two sources with their revision, then the apps)")
	if err := g.run("ls"); err != nil {
		return err
	}

	step("kubectl gitops watch clusters/apps.yaml in the background (apps polls every " + demoPullInterval + " here); the Ingress domain changes in Git, then CI pushes a new image")
	if err := watchChanges(ctx, c, g, repo, reg); err != nil {
		return err
	}
	k.run("get", "ingress", "my-server", "-n", "default")
	k.run("get", "deployment", "my-server", "-n", "default", "-o", "jsonpath={.spec.template.spec.containers[0].image}{\"\\n\"}")
	if err := git(repo.Work, "pull", "--quiet", "--rebase", "origin", "main"); err != nil { // the image commit
		return err
	}
	gitLog(repo.Work)

	step("rolling back the domain with git revert: kubectl gitops diff shows it, the next sync converges to it")
	fmt.Println("$ git revert --no-edit HEAD^   (the domain commit; HEAD is the image automation's)")
	if err := git(repo.Work, "revert", "--no-edit", "HEAD^"); err != nil {
		return err
	}
	if err := repo.Push(); err != nil {
		return err
	}
	_ = g.run("diff", "clusters/apps.yaml") // exits 1: there is a difference
	if err := g.run("sync", "clusters/apps.yaml"); err != nil {
		return err
	}
	k.run("get", "ingress", "my-server", "-n", "default")

	step("a second sync with nothing new changes nothing")
	if err := g.run("sync", "clusters/infra.yaml"); err != nil {
		return err
	}

	step("adding apps/hello.yaml in a commit brings up a second app")
	if err := repo.WriteFiles(map[string]string{"apps/hello.yaml": helloApp}); err != nil {
		return err
	}
	if _, err := repo.Commit("add hello"); err != nil {
		return err
	}
	if err := repo.Push(); err != nil {
		return err
	}
	if err := g.run("sync", "clusters/apps.yaml"); err != nil {
		return err
	}

	step("removing apps/my-app.yaml from Git prunes its objects")
	if err := git(repo.Work, "rm", "--quiet", "apps/my-app.yaml"); err != nil {
		return err
	}
	if _, err := repo.Commit("remove my-app"); err != nil {
		return err
	}
	if err := repo.Push(); err != nil {
		return err
	}
	if err := g.run("sync", "clusters/apps.yaml"); err != nil {
		return err
	}
	k.run("get", "deployments,services,ingresses", "-n", "default")
	if err := pullMode(ctx, c, g, k, repo, reg); err != nil {
		return err
	}
	step("done: everything the demo started is stopping now")
	return nil
}

// helloApp is a second application the demo adds and keeps.
const helloApp = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: hello
  namespace: default
spec:
  components:
    - name: hello
      type: webservice
      properties:
        image: registry.example/hello:1.0.0
        ports:
          - port: 8080
            expose: true
`

// seedRepo pushes testdata/seed-repo with clusters/*.yaml pointing at srv,
// apps' pullInterval at demoPullInterval, the MySQL operator's chart at the
// Helm repository chartsURL and the app's image at image (a repository).
func seedRepo(srv *gitserver.Server, chartsURL, image string) (*gitserver.Repo, error) {
	repo, err := srv.Create("config")
	if err != nil {
		return nil, err
	}
	if err := repo.CopyTree("testdata/seed-repo"); err != nil {
		return nil, err
	}
	files := map[string]string{}
	for _, name := range []string{"clusters/infra.yaml", "clusters/apps.yaml", "apps/my-app.yaml"} {
		data, err := os.ReadFile(filepath.Join(repo.Work, name))
		if err != nil {
			return nil, err
		}
		text := strings.ReplaceAll(string(data), "url: http://127.0.0.1:0/config.git", "url: "+srv.URL("config"))
		text = strings.ReplaceAll(text, "127.0.0.1:5000/testapp", image)
		files[name] = strings.ReplaceAll(text, "pullInterval: 1m\n", "pullInterval: "+demoPullInterval+"\n")
	}
	mysql, err := os.ReadFile(filepath.Join(repo.Work, "infrastructure/mysql.yaml"))
	if err != nil {
		return nil, err
	}
	files["infrastructure/mysql.yaml"] = strings.ReplaceAll(string(mysql), "url: http://127.0.0.1:0/charts", "url: "+chartsURL)
	if err := repo.WriteFiles(files); err != nil {
		return nil, err
	}
	if _, err := repo.Commit("seed config repo"); err != nil {
		return nil, err
	}
	return repo, repo.Push()
}

func edit(repo *gitserver.Repo, file, old, new, message string) error {
	data, err := os.ReadFile(filepath.Join(repo.Work, file))
	if err != nil {
		return err
	}
	if !strings.Contains(string(data), old) {
		return fmt.Errorf("%s: %q not found", file, old)
	}
	if err := repo.WriteFiles(map[string]string{file: strings.Replace(string(data), old, new, 1)}); err != nil {
		return err
	}
	if _, err := repo.Commit(message); err != nil {
		return err
	}
	return repo.Push()
}

type gitops struct{ bin, kubeconfig, dir, cache string }

func (g gitops) run(args ...string) error {
	fmt.Printf("$ kubectl gitops %s\n", strings.Join(args, " "))
	cmd := exec.Command(g.bin, append(args, "--kubeconfig", g.kubeconfig)...)
	cmd.Dir = g.dir
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+g.cache)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stdout
	return cmd.Run()
}

// build runs `kubectl gitops build dir` in the clone, with env added to
// its environment, and prints the kind and name of each object.
func (g gitops) build(dir string, env ...string) error {
	fmt.Printf("$ %skubectl gitops build %s\n", strings.Join(append(env, ""), " "), dir)
	cmd := exec.Command(g.bin, "build", dir)
	cmd.Dir = g.dir
	cmd.Env = append(append(os.Environ(), "XDG_CACHE_HOME="+g.cache), env...)
	cmd.Stderr = os.Stdout
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("kubectl gitops build %s: %w", dir, err)
	}
	kind := ""
	for _, line := range strings.Split(string(out), "\n") {
		if k, ok := strings.CutPrefix(line, "kind: "); ok {
			kind = k
		} else if name, ok := strings.CutPrefix(line, "  name: "); ok && kind != "" {
			fmt.Printf("  %-26s %s\n", kind, name)
			kind = ""
		}
	}
	return nil
}

type kubectl struct{ bin, kubeconfig string }

func (k kubectl) run(args ...string) {
	fmt.Printf("$ kubectl %s\n", strings.Join(args, " "))
	cmd := exec.Command(k.bin, append(args, "--kubeconfig", k.kubeconfig)...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stdout
	_ = cmd.Run()
}

func git(dir string, args ...string) error {
	cmd := exec.Command("git", append([]string{"-c", "user.name=demo", "-c", "user.email=demo@example.invalid"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

func step(s string) { fmt.Printf("\n\033[1m== %s\033[0m\n", s) }

// gitLog prints the last commits of the clone.
func gitLog(dir string) {
	fmt.Println("$ git log --oneline -3")
	cmd := exec.Command("git", "log", "--oneline", "-3")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stdout
	_ = cmd.Run()
}

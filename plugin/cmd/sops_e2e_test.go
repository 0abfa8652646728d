package cmd_test

import (
	"context"
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/oamgitops/kubectl-gitops/internal/testbin"
	"github.com/oamgitops/kubectl-gitops/plugin/cmd"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

// The values the SOPS files of TestSOPS hold: none may appear in any
// output, error or diff.
var sopsValues = []string{"db-r00t-v4lue-1", "db-r00t-v4lue-2", "api-t0ken-v4lue-3"}

// sopsRepo is a config repository whose db/ holds a Secret and a
// secretGenerator .env file encrypted with sops for an age key.
type sopsRepo struct {
	repo              *gitserver.Repo
	keyFile, otherKey string
	recipient         string
	ns                string
}

func newSOPSRepo(t *testing.T, ns string) *sopsRepo {
	t.Helper()
	r := &sopsRepo{ns: ns}
	r.keyFile, r.recipient = newAgeKey(t)
	r.otherKey, _ = newAgeKey(t)
	srv := gitserver.Start(t, gitserver.Options{Username: gitUser, Password: gitPassword})
	r.repo = srv.MustCreate(t, "config")
	declare := func(name, path, extra string) string {
		return "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: " + name + ", namespace: " + ns + "}\n" +
			"spec:\n  components:\n    - name: db\n      type: kustomize\n      properties:\n" +
			"        repoType: git\n        url: " + srv.URL("config") + "\n        secretRef: git-secret\n" +
			"        git: {branch: main}\n        path: " + path + "\n" + extra
	}
	r.repo.MustWriteFiles(t, map[string]string{
		"clusters/db.yaml": declare("db", "./db", "        decryption: {provider: sops, secretRef: {name: sops-age}}\n"),
		// Another path (the agent shares one source among the Applications
		// declaring the same one) building the same files.
		"clusters/nokey.yaml":      declare("nokey", "./nokey", ""),
		"nokey/kustomization.yaml": "resources: [../db]\n",
		"db/kustomization.yaml": "namespace: " + ns + "\nresources: [root.enc.yaml, settings.yaml]\n" +
			"secretGenerator:\n  - name: api\n    envs: [api.enc.env]\n    options: {disableNameSuffixHash: true}\n",
		"db/settings.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: db-settings}\ndata: {engine: mysql}\n",
		"db/root.enc.yaml": sopsEncrypt(t, r.recipient, "root.yaml", rootSecret(sopsValues[0])),
		"db/api.enc.env":   sopsEncrypt(t, r.recipient, "api.env", "API_TOKEN="+sopsValues[2]+"\n"),
	})
	r.repo.MustCommit(t, "db: secrets encrypted with sops")
	r.repo.MustPush(t)
	return r
}

func rootSecret(password string) string {
	return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-root\ntype: Opaque\nstringData:\n  ROOT_PASSWORD: " + password + "\n"
}

// noValues fails when output shows a value of the SOPS files, plain or
// in base64.
func noValues(t *testing.T, what string, res testbin.Result) {
	t.Helper()
	for _, v := range sopsValues {
		for _, form := range []string{v, base64.StdEncoding.EncodeToString([]byte(v))} {
			if strings.Contains(res.Stdout+res.Stderr, form) {
				t.Fatalf("%s shows a decrypted value:\n%s\n%s", what, res.Stdout, res.Stderr)
			}
		}
	}
}

// SOPS files in Git: a source decrypts them with the keys of the Secret
// its decryption names, or a terminal's SOPS_AGE_KEY_FILE, never the
// agent's; missing or wrong keys fail naming file and Secret with nothing
// applied; no value reaches an output, a diff or an error.
func TestSOPS(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	r := newSOPSRepo(t, ns)
	work := r.repo.Work
	if _, err := env.Client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "git-secret"},
		StringData: map[string]string{"username": gitUser, "password": gitPassword}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	run := func(extraEnv []string, args ...string) testbin.Result {
		t.Helper()
		res := gitopsEnv(t, work, extraEnv, append(args, "-n", ns)...)
		noValues(t, strings.Join(args, " "), res)
		return res
	}
	nothingApplied := func(what string) {
		t.Helper()
		for _, get := range []func() error{
			func() error {
				_, err := env.Client.CoreV1().Secrets(ns).Get(ctx, "db-root", metav1.GetOptions{})
				return err
			},
			func() error {
				_, err := env.Client.CoreV1().ConfigMaps(ns).Get(ctx, "db-settings", metav1.GetOptions{})
				return err
			},
		} {
			if err := get(); !apierrors.IsNotFound(err) {
				t.Fatalf("%s: an object of the source was applied (%v)", what, err)
			}
		}
	}
	fails := func(what string, res testbin.Result, want ...string) {
		t.Helper()
		mustFail(t, res, what, want...)
	}

	// The decryption Secret missing, then holding another key.
	fails("no decryption Secret", run(nil, "sync", "clusters/db.yaml"),
		"Secret "+ns+"/sops-age not found", "kubectl create secret generic sops-age -n "+ns+" --from-file=age.agekey=")
	nothingApplied("no decryption Secret")
	keySecret(ctx, t, ns, r.otherKey)
	fails("another key", run(nil, "sync", "clusters/db.yaml"),
		"root.enc.yaml: cannot recover its data key with the age key(s) of Secret "+ns+"/sops-age", "encrypted for "+r.recipient)
	nothingApplied("another key")

	// The right key: the Secret, the generated one and the plain ConfigMap.
	keySecret(ctx, t, ns, r.keyFile)
	res := run(nil, "sync", "clusters/db.yaml")
	mustSucceed(t, res, "sync with the key")
	if !strings.Contains(res.Stderr, "decrypted 2 SOPS file(s) in memory") {
		t.Errorf("progress does not say what was decrypted:\n%s", res.Stderr)
	}
	for name, want := range map[string][2]string{"db-root": {"ROOT_PASSWORD", sopsValues[0]}, "api": {"API_TOKEN", sopsValues[2]}} {
		s, err := env.Client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if string(s.Data[want[0]]) != want[1] {
			t.Errorf("Secret %s %s is not the decrypted value (%d bytes)", name, want[0], len(s.Data[want[0]]))
		}
	}
	mustSucceed(t, run(nil, "sync", "clusters/db.yaml", "-o", "json"), "second sync -o json")

	// A new value committed: diff shows the Secret changed, masked.
	r.repo.MustWriteFiles(t, map[string]string{"db/root.enc.yaml": sopsEncrypt(t, r.recipient, "root.yaml", rootSecret(sopsValues[1]))})
	r.repo.MustCommit(t, "db: rotate the root password")
	r.repo.MustPush(t)
	for _, out := range []string{"", "json"} {
		args := []string{"diff", "clusters/db.yaml"}
		if out != "" {
			args = append(args, "-o", out)
		}
		res := run(nil, args...)
		if res.Code != 1 || !strings.Contains(res.Stdout, "Secret/"+ns+"/db-root") || strings.Contains(res.Stdout, "ConfigMap/") {
			t.Errorf("diff %s after the rotation: exit %d, want 1 showing only Secret/%s/db-root:\n%s\n%s", out, res.Code, ns, res.Stdout, res.Stderr)
		}
	}

	// build from a terminal: SOPS_AGE_KEY_FILE decrypts, the output is masked.
	keyEnv := []string{"SOPS_AGE_KEY_FILE=" + r.keyFile}
	build := func(extraEnv []string) testbin.Result {
		t.Helper()
		res := testbin.Run(t, testbin.Options{Dir: work, Env: append([]string{"XDG_CACHE_HOME=" + cacheDir(t)}, extraEnv...)},
			filepath.Join(binDir, "kubectl-gitops"), "build", "db")
		noValues(t, "build", res)
		return res
	}
	res = build(keyEnv)
	mustSucceed(t, res, "build with SOPS_AGE_KEY_FILE")
	if !strings.Contains(res.Stdout, "ROOT_PASSWORD: '***'") || !strings.Contains(res.Stdout, "engine: mysql") ||
		!strings.Contains(res.Stderr, "printed as ***") {
		t.Errorf("build with the key: want the Secret masked and the ConfigMap as it is:\n%s\n%s", res.Stdout, res.Stderr)
	}
	fails("build without keys", build(nil),
		"root.enc.yaml is encrypted with SOPS and no age key was given", "or set SOPS_AGE_KEY_FILE")
	// A source declaring no decryption, from a terminal: the user's keys.
	fails("sync without keys", run(nil, "sync", "clusters/nokey.yaml"), "or set SOPS_AGE_KEY_FILE")
	if res := run(keyEnv, "diff", "clusters/nokey.yaml"); res.Code > 1 {
		t.Errorf("diff of a source declaring no decryption, with SOPS_AGE_KEY_FILE: exit %d\n%s", res.Code, res.Stderr)
	}

	// The agent decrypts with the source's Secret only: its own
	// SOPS_AGE_KEY_FILE is not a key for a tenant's source.
	system := "gitops-" + ns
	mustSucceed(t, gitops(t, t.TempDir(), "install", "-n", system), "install") // the CRD
	t.Cleanup(func() { uninstallAll(t, system) })
	t.Setenv("SOPS_AGE_KEY_FILE", r.keyFile)
	agent := startGitops(t, work, "agent", "-n", ns, "--interval", "2s")
	kubectl(t, "apply", "-f", filepath.Join(work, "clusters/db.yaml"), "-f", filepath.Join(work, "clusters/nokey.yaml"))
	kubectl(t, "wait", "--for=condition=Ready", "application/db", "-n", ns, "--timeout=120s")
	s, err := env.Client.CoreV1().Secrets(ns).Get(ctx, "db-root", metav1.GetOptions{})
	if err != nil || string(s.Data["ROOT_PASSWORD"]) != sopsValues[1] {
		t.Errorf("the agent did not apply the rotated password (%v)", err)
	}
	dc, err := dynamic.NewForConfig(env.RESTConfig)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "the source declaring no decryption failing in the agent", func() string {
		app, err := dc.Resource(cmd.ApplicationResource).Namespace(ns).Get(ctx, "nokey", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		conds, _, _ := unstructured.NestedSlice(app.Object, "status", "conditions")
		for _, c := range conds {
			if m, _ := c.(map[string]any); m["type"] == "Ready" {
				msg, _ := m["message"].(string)
				if m["status"] != "False" || !strings.Contains(msg, "no age key was given: name a Secret of age keys") ||
					strings.Contains(msg, "SOPS_AGE_KEY_FILE") {
					return "Ready: " + msg
				}
				return ""
			}
		}
		return "no Ready condition"
	})
	noValues(t, "the agent's log", testbin.Result{Stderr: agent.stderr.String()})
	events := kubectl(t, "get", "events", "-n", ns, "-o", "jsonpath={.items[*].message}")
	noValues(t, "the namespace's Events", testbin.Result{Stdout: events})
}

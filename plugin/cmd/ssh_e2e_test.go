package cmd_test

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"golang.org/x/crypto/ssh"

	"github.com/oamgitops/kubectl-gitops/internal/testbin"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
	"github.com/oamgitops/kubectl-gitops/test/sshserver"
)

// A source over SSH whose identity and known_hosts are in a cluster Secret
// under Flux's keys: sync applies it, diff then sees nothing to do, and a
// Secret whose known_hosts does not list the server's key is refused
// without printing any key.
func TestSSHSourceSync(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	git := gitserver.Start(t, gitserver.Options{})
	repo := git.MustCreate(t, "config")
	repo.MustWriteFiles(t, map[string]string{
		"app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: over-ssh, namespace: " + ns + "}\ndata: {from: ssh}\n",
	})
	repo.MustCommit(t, "app")
	repo.MustPush(t)
	srv := sshserver.Start(t, sshserver.Options{Root: git.Root()})
	stranger, err := sshserver.GenerateKey(sshserver.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	for name, knownHosts := range map[string][]byte{"ssh-credentials": srv.KnownHosts(), "ssh-wrong-host": srv.KnownHosts(stranger.Public)} {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Data: map[string][]byte{
			"identity":     srv.Identity(),
			"identity.pub": ssh.MarshalAuthorizedKey(srv.ClientKey()),
			"known_hosts":  knownHosts,
		}}
		if _, err := env.Client.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	sourceFile := func(name, secret string) string {
		p := filepath.Join("clusters", name+".yaml")
		app := `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: ` + name + `, namespace: ` + ns + `}
spec:
  components:
    - name: config
      type: kustomize
      properties: {url: "` + srv.URL("config") + `", secretRef: ` + secret + `, path: ./app, git: {branch: main}}
`
		if err := os.MkdirAll(filepath.Join(dir, "clusters"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(app), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	noKeys := func(res testbin.Result, what string) {
		t.Helper()
		for _, k := range keyMaterial(srv, stranger) {
			if strings.Contains(res.Stdout+res.Stderr, k) {
				t.Errorf("%s printed key material %q", what, k)
			}
		}
	}

	res := gitops(t, dir, "sync", sourceFile("over-ssh", "ssh-credentials"))
	mustSucceed(t, res, "sync over ssh")
	noKeys(res, "sync")
	if !strings.Contains(res.Stderr, "over-ssh/config: fetched main@sha1:") {
		t.Errorf("progress does not show the fetch:\n%s", res.Stderr)
	}
	if !strings.Contains(res.Stdout, "over-ssh") || !strings.Contains(res.Stdout, "created") {
		t.Errorf("sync did not report the ConfigMap created:\n%s", res.Stdout)
	}
	cm, err := env.Client.CoreV1().ConfigMaps(ns).Get(ctx, "over-ssh", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Data["from"] != "ssh" {
		t.Errorf("ConfigMap data %v", cm.Data)
	}

	// The same source declared by flags, with the same Secret.
	res = gitops(t, t.TempDir(), "diff", "--repo", srv.URL("config"), "--branch", "main", "--path", "app",
		"--secret", "ssh-credentials", "--name", "over-ssh/config", "-n", ns)
	if res.Code != 0 || res.Stdout != "" {
		t.Errorf("diff --repo ssh://… right after sync: exit %d\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	noKeys(res, "diff")

	res = gitops(t, dir, "sync", sourceFile("wrong-host", "ssh-wrong-host"))
	if res.Code == 0 {
		t.Fatalf("sync with a known_hosts not listing the server succeeded:\n%s", res.Stdout)
	}
	noKeys(res, "refused sync")
	for _, want := range []string{"clusters/wrong-host.yaml: Application " + ns + "/wrong-host", "source wrong-host/config (ssh://", srv.Addr(), "host key not trusted", "does not match known_hosts"} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("refusal lacks %q:\n%s", want, res.Stderr)
		}
	}
}

// keyMaterial lists pieces of the server's keys a message must not show:
// the lines of private keys (PEM) and the base64 of public keys.
func keyMaterial(srv *sshserver.Server, extra sshserver.Key) []string {
	var out []string
	for _, priv := range [][]byte{srv.Identity(), extra.PrivatePEM} {
		for _, line := range strings.Split(string(priv), "\n") {
			if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
				out = append(out, line)
			}
		}
	}
	for _, k := range append(srv.HostKeys(), srv.ClientKey(), extra.Public) {
		out = append(out, base64.StdEncoding.EncodeToString(k.Marshal())[20:60])
	}
	return out
}

package cmd_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oamgitops/kubectl-gitops/internal/testbin"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

// sealedRootPassword is the MySQL root password of the seed's encrypted
// mysql-secret: it may appear in the cluster's Secret and nowhere else.
const sealedRootPassword = "s0ps-r00t-pw-91"

// sealed is the seed's mysql-secret as SOPS ciphertext in the config repo.
type sealed struct {
	// keyFile holds the age identity (what SOPS_AGE_KEY_FILE names).
	keyFile string
	// ciphertext is the file committed as infrastructure/mysql-secret.yaml.
	ciphertext string
	// ns is the namespace of the Secret and of its keys' Secret.
	ns string
}

// sealMySQLSecret does what the README asks of a user keeping mysql-secret
// in Git: an age key from age-keygen, infrastructure/mysql-secret.yaml
// encrypted with the sops CLI for it (only data and stringData), the key
// as the Secret sops-age in ns and clusters/infra.yaml naming it. It
// writes both files into work; the caller commits them.
func sealMySQLSecret(ctx context.Context, t *testing.T, work, ns string) sealed {
	t.Helper()
	dir := t.TempDir()
	s := sealed{keyFile: filepath.Join(dir, "age.agekey"), ns: ns}
	testbin.Succeed(t, testbin.In(dir), testbin.AgeKeygen(t), "-o", s.keyFile)
	recipient := strings.TrimSpace(testbin.Succeed(t, testbin.In(dir), testbin.AgeKeygen(t), "-y", s.keyFile).Stdout)

	plain := filepath.Join(dir, "mysql-secret.yaml")
	text := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: mysql-secret\n  namespace: " + ns +
		"\ntype: Opaque\nstringData:\n  ROOT_PASSWORD: " + sealedRootPassword + "\n"
	if err := os.WriteFile(plain, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	s.ciphertext = testbin.Succeed(t, testbin.Options{Dir: dir, Env: []string{testbin.SopsEnv}}, testbin.Sops(t),
		"--encrypt", "--age", recipient, "--encrypted-regex", "^(data|stringData)$", plain).Stdout
	if strings.Contains(s.ciphertext, sealedRootPassword) || !strings.Contains(s.ciphertext, "ENC[AES256_GCM") {
		t.Fatalf("sops did not encrypt:\n%s", s.ciphertext)
	}

	infra, err := os.ReadFile(filepath.Join(work, "clusters/infra.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const at = "        path: ./infrastructure\n"
	withKeys := strings.Replace(string(infra), at, at+
		"        decryption:\n          provider: sops\n          secretRef:\n            name: sops-age\n", 1)
	if withKeys == string(infra) {
		t.Fatalf("clusters/infra.yaml: no %q to add decryption after", strings.TrimSpace(at))
	}
	for name, data := range map[string]string{"clusters/infra.yaml": withKeys, "infrastructure/mysql-secret.yaml": s.ciphertext} {
		if err := os.WriteFile(filepath.Join(work, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	key, err := os.ReadFile(s.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "sops-age"}, Data: map[string][]byte{"age.agekey": key}}
	if _, err := env.Client.CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = env.Client.CoreV1().Secrets(ns).Delete(context.Background(), "sops-age", metav1.DeleteOptions{})
	})
	return s
}

// checkSealedSecret checks the cluster's mysql-secret in ns holds the
// decrypted password.
func checkSealedSecret(ctx context.Context, t *testing.T, ns string) {
	t.Helper()
	got, err := env.Client.CoreV1().Secrets(ns).Get(ctx, "mysql-secret", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the decrypted mysql-secret: %v", err)
	}
	if pw := string(got.Data["ROOT_PASSWORD"]); pw != sealedRootPassword {
		t.Errorf("mysql-secret ROOT_PASSWORD has %d bytes, not the %d of the sealed password", len(pw), len(sealedRootPassword))
	}
}

// checkOnlyCiphertext checks that the sealed password is nowhere but in the
// cluster's Secret: not in the Git history, the test's Git and chart cache,
// or any ConfigMap (the inventories) of ns.
func checkOnlyCiphertext(ctx context.Context, t *testing.T, repo *gitserver.Repo, s sealed) {
	t.Helper()
	plain := []string{sealedRootPassword, base64.StdEncoding.EncodeToString([]byte(sealedRootPassword))}
	history := testbin.Succeed(t, testbin.In(repo.Bare), "git", "log", "-p", "--all").Stdout
	if !strings.Contains(history, "ENC[AES256_GCM") {
		t.Errorf("the Git history has no SOPS ciphertext")
	}
	holds := func(text string) bool {
		for _, p := range plain {
			if strings.Contains(text, p) {
				return true
			}
		}
		return false
	}
	if holds(history) {
		t.Errorf("the Git history holds the password")
	}
	err := filepath.WalkDir(cacheDir(t), func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err == nil && holds(string(data)) {
			t.Errorf("the cache holds the password in %s", filepath.Base(p))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cms, err := env.Client.CoreV1().ConfigMaps(s.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cm := range cms.Items {
		if text, _ := json.Marshal(cm); holds(string(text)) {
			t.Errorf("ConfigMap %s holds the password", cm.Name)
		}
	}
}

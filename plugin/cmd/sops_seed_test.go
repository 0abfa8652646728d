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
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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
	s := sealed{ns: ns}
	var recipient string
	s.keyFile, recipient = newAgeKey(t)
	s.ciphertext = sopsEncrypt(t, recipient, "mysql-secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: mysql-secret\n  namespace: "+ns+
		"\ntype: Opaque\nstringData:\n  ROOT_PASSWORD: "+sealedRootPassword+"\n")

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

	keySecret(ctx, t, ns, s.keyFile)
	t.Cleanup(func() {
		_ = env.Client.CoreV1().Secrets(ns).Delete(context.Background(), "sops-age", metav1.DeleteOptions{})
	})
	return s
}

// newAgeKey is `age-keygen -o FILE`: the identity's file and its recipient.
func newAgeKey(t *testing.T) (file, recipient string) {
	t.Helper()
	dir := t.TempDir()
	file = filepath.Join(dir, "age.agekey")
	testbin.Succeed(t, testbin.In(dir), testbin.AgeKeygen(t), "-o", file)
	return file, strings.TrimSpace(testbin.Succeed(t, testbin.In(dir), testbin.AgeKeygen(t), "-y", file).Stdout)
}

// sopsEncrypt is `sops --encrypt --age RECIPIENT NAME` of text (the name's
// extension says the format); of a YAML Secret only data and stringData.
func sopsEncrypt(t *testing.T, recipient, name, text string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--encrypt", "--age", recipient}
	if strings.HasSuffix(name, ".yaml") {
		args = append(args, "--encrypted-regex", "^(data|stringData)$")
	}
	out := testbin.Succeed(t, testbin.Options{Dir: dir, Env: []string{testbin.SopsEnv}}, testbin.Sops(t), append(args, name)...).Stdout
	if !strings.Contains(out, "ENC[AES256_GCM") {
		t.Fatalf("sops did not encrypt %s:\n%s", name, out)
	}
	return out
}

// keySecret makes Secret sops-age of ns hold the age identity in file.
func keySecret(ctx context.Context, t *testing.T, ns, file string) {
	t.Helper()
	key, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "sops-age"}, Data: map[string][]byte{"age.agekey": key}}
	if _, err := env.Client.CoreV1().Secrets(ns).Update(ctx, s, metav1.UpdateOptions{}); apierrors.IsNotFound(err) {
		_, err = env.Client.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	} else if err != nil {
		t.Fatal(err)
	}
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

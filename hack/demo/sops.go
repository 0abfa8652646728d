package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oamgitops/kubectl-gitops/test/cluster"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

// sealMySQLSecret keeps the seed's mysql-secret in Git as SOPS ciphertext,
// as the README tells a user to: an age key, the Secret encrypted with the
// sops CLI for it, the key in the cluster as sops-age, and
// clusters/infra.yaml naming it as the source's decryption. $SOPS and
// $AGE_KEYGEN name the CLIs (make demo passes them). It returns the key's
// file, what a user's SOPS_AGE_KEY_FILE names.
func sealMySQLSecret(ctx context.Context, c *cluster.Cluster, repo *gitserver.Repo) (string, error) {
	sops, keygen := tool("SOPS", "sops"), tool("AGE_KEYGEN", "age-keygen")
	dir, err := os.MkdirTemp(c.Dir, "sops-")
	if err != nil {
		return "", err
	}
	keyFile := filepath.Join(dir, "age.agekey")
	if _, err := show(dir, keygen, "-o", keyFile); err != nil {
		return "", err
	}
	recipient, err := show(dir, keygen, "-y", keyFile)
	if err != nil {
		return "", err
	}
	recipient = strings.TrimSpace(recipient)
	// The password exists only here, in memory, and in the cluster.
	plain := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: mysql-secret\n  namespace: default\ntype: Opaque\n" +
		fmt.Sprintf("stringData:\n  ROOT_PASSWORD: demo-root-%d\n", time.Now().UnixNano())
	if err := os.WriteFile(filepath.Join(dir, "mysql-secret.yaml"), []byte(plain), 0o600); err != nil {
		return "", err
	}
	cipher, err := show(dir, sops, "--encrypt", "--age", recipient, "--encrypted-regex", "^(data|stringData)$", "mysql-secret.yaml")
	if err != nil {
		return "", err
	}
	if err := os.Remove(filepath.Join(dir, "mysql-secret.yaml")); err != nil {
		return "", err
	}
	infra, err := os.ReadFile(filepath.Join(repo.Work, "clusters/infra.yaml"))
	if err != nil {
		return "", err
	}
	const at = "        path: ./infrastructure\n"
	if !strings.Contains(string(infra), at) {
		return "", fmt.Errorf("clusters/infra.yaml: no %q to add decryption after", strings.TrimSpace(at))
	}
	infraText := strings.Replace(string(infra), at, at+
		"        decryption:\n          provider: sops\n          secretRef:\n            name: sops-age\n", 1)
	if err := repo.WriteFiles(map[string]string{"infrastructure/mysql-secret.yaml": cipher, "clusters/infra.yaml": infraText}); err != nil {
		return "", err
	}
	fmt.Println("infrastructure/mysql-secret.yaml, as committed:")
	for _, line := range strings.Split(cipher, "\n") {
		if strings.Contains(line, "ROOT_PASSWORD") || strings.HasPrefix(line, "kind:") || strings.Contains(line, "recipient:") {
			fmt.Println("   ", strings.TrimSpace(line))
		}
	}
	if _, err := repo.Commit("infrastructure: mysql-secret, encrypted with sops"); err != nil {
		return "", err
	}
	if err := repo.Push(); err != nil {
		return "", err
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		return "", err
	}
	fmt.Println("$ kubectl create secret generic sops-age -n default --from-file=age.agekey=" + filepath.Base(keyFile))
	_, err = c.Client.CoreV1().Secrets("default").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "sops-age"},
		Data: map[string][]byte{"age.agekey": key}}, metav1.CreateOptions{})
	return keyFile, err
}

// tool is $env, else name on PATH.
func tool(env, name string) string {
	if p := os.Getenv(env); p != "" {
		return p
	}
	return name
}

// show prints and runs a command in dir and returns its standard output,
// which the caller prints as far as it wants.
func show(dir, name string, args ...string) (string, error) {
	shown := filepath.Base(name)
	if i := strings.LastIndex(shown, "-v"); i > 0 { // the cache's sops-v3.13.3 is sops to the user
		shown = shown[:i]
	}
	fmt.Printf("$ %s %s\n", shown, strings.Join(args, " "))
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SOPS_DISABLE_VERSION_CHECK=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w (run make tools, or set $SOPS and $AGE_KEYGEN)", shown, err)
	}
	return string(out), nil
}

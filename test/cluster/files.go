package cluster

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
)

// freePorts returns n distinct free TCP ports on 127.0.0.1. They are held
// open together while picked so they differ from each other.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// writeCredentials writes the token file (admin, and with node the real
// node's) and the service-account key pair into dir and returns the
// tokens.
func writeCredentials(dir string, node bool) (token, nodeToken string, err error) {
	newToken := func() (string, error) {
		raw := make([]byte, 24)
		if _, err := rand.Read(raw); err != nil {
			return "", fmt.Errorf("token: %w", err)
		}
		return hex.EncodeToString(raw), nil
	}
	if token, err = newToken(); err != nil {
		return "", "", err
	}
	tokens := fmt.Sprintf("%s,admin,admin,system:masters\n", token)
	if node {
		if nodeToken, err = newToken(); err != nil {
			return "", "", err
		}
		tokens += fmt.Sprintf("%s,system:node:%s,system:node:%s,system:nodes\n", nodeToken, RealNodeName, RealNodeName)
	}
	if err := os.WriteFile(filepath.Join(dir, "tokens.csv"), []byte(tokens), 0o600); err != nil {
		return "", "", fmt.Errorf("token file: %w", err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", fmt.Errorf("service-account key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", "", fmt.Errorf("service-account key: %w", err)
	}
	files := map[string]*pem.Block{
		"sa.key": {Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)},
		"sa.pub": {Type: "PUBLIC KEY", Bytes: pub},
	}
	for name, block := range files {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			return "", "", fmt.Errorf("service-account key: %w", err)
		}
	}
	return token, nodeToken, nil
}

// writeKubeconfig writes an admin kubeconfig for server, trusting the
// apiserver's self-signed serving certificate (caFile).
func writeKubeconfig(path, server, caFile, token string) error {
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	config := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: kubectl-gitops-local
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: admin
  user:
    token: %s
contexts:
- name: kubectl-gitops-local
  context:
    cluster: kubectl-gitops-local
    user: admin
    namespace: default
current-context: kubectl-gitops-local
`, server, base64.StdEncoding.EncodeToString(ca), token)
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	return nil
}

package clusters

import (
	"context"
	"fmt"
	"maps"
	"os"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// KubeVela's cluster Secrets, which `vela cluster join` writes.
const (
	// SecretNamespace holds them in the hub.
	SecretNamespace = "vela-system"
	// LabelCredentialType marks a Secret as a cluster's and says how it is
	// reached: TypeX509Certificate or TypeServiceAccountToken.
	LabelCredentialType = "cluster.core.oam.dev/cluster-credential-type"
	// Their data keys.
	KeyEndpoint = "endpoint"
	KeyCA       = "ca.crt"
	keyCALegacy = "ca"
	KeyToken    = corev1.ServiceAccountTokenKey
	KeyCert     = corev1.TLSCertKey
	KeyKey      = corev1.TLSPrivateKeyKey
)

// FromSecret reads a KubeVela cluster Secret: the Secret's name is the
// cluster's, its labels (but the credential type) the cluster's labels.
// Without a CA the API server's certificate is not verified, as KubeVela
// does. Errors name the Secret and the key, never a value.
func FromSecret(s *corev1.Secret) (Cluster, error) {
	where := "Secret " + s.Namespace + "/" + s.Name
	fail := func(format string, args ...any) (Cluster, error) {
		return Cluster{}, fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...))
	}
	if err := ValidName(s.Name); err != nil {
		return fail("%v", err)
	}
	endpoint := strings.TrimSpace(string(s.Data[KeyEndpoint]))
	if endpoint == "" {
		return fail("data.%s: missing: the API server's URL", KeyEndpoint)
	}
	cfg := &rest.Config{Host: endpoint}
	cfg.CAData = s.Data[KeyCA]
	if len(cfg.CAData) == 0 {
		cfg.CAData = s.Data[keyCALegacy]
	}
	cfg.Insecure = len(cfg.CAData) == 0
	typ := s.Labels[LabelCredentialType]
	switch typ {
	case TypeX509Certificate:
		cfg.CertData, cfg.KeyData = s.Data[KeyCert], s.Data[KeyKey]
		if len(cfg.CertData) == 0 || len(cfg.KeyData) == 0 {
			return fail("an %s cluster needs data.%s and data.%s", typ, KeyCert, KeyKey)
		}
	case TypeServiceAccountToken:
		cfg.BearerToken = strings.TrimSpace(string(s.Data[KeyToken]))
		if cfg.BearerToken == "" {
			return fail("a %s cluster needs data.%s", typ, KeyToken)
		}
	default:
		return fail("label %s: %q: want %s or %s", LabelCredentialType, typ, TypeX509Certificate, TypeServiceAccountToken)
	}
	labels := maps.Clone(s.Labels)
	delete(labels, LabelCredentialType)
	if len(labels) == 0 {
		labels = nil
	}
	return Cluster{Name: s.Name, Labels: labels, Type: typ, Endpoint: endpoint, From: where, Config: cfg}, nil
}

// ListSecrets reads the cluster Secrets of namespace (SecretNamespace):
// one that cannot be read as a cluster is an error naming it, never
// skipped.
func ListSecrets(ctx context.Context, client kubernetes.Interface, namespace string) ([]Cluster, error) {
	list, err := client.CoreV1().Secrets(namespace).List(ctx, metav1.ListOptions{LabelSelector: LabelCredentialType})
	if err != nil {
		return nil, fmt.Errorf("cluster Secrets in %s: %w", namespace, err)
	}
	var out []Cluster
	for i := range list.Items {
		c, err := FromSecret(&list.Items[i])
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// SecretFor is the cluster Secret `cluster join` writes for name: what cfg
// (a kubeconfig context) connects with, a client certificate or a token,
// as KubeVela writes it. A context that authenticates otherwise (an exec
// plugin, an auth provider, a username and password) cannot be written
// down and is an error.
func SecretFor(name string, labels map[string]string, cfg *rest.Config) (*corev1.Secret, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	if name == LocalName {
		return nil, fmt.Errorf("cluster name %q is the cluster the command talks to; pick another", LocalName)
	}
	if cfg.ExecProvider != nil || cfg.AuthProvider != nil || cfg.Username != "" {
		return nil, fmt.Errorf("cluster %s: the context authenticates with an exec plugin, an auth provider or a password, "+
			"which a Secret cannot hold; give a context with a client certificate or a token (a ServiceAccount's)", name)
	}
	c := rest.CopyConfig(cfg)
	if err := rest.LoadTLSFiles(c); err != nil {
		return nil, fmt.Errorf("cluster %s: %w", name, err)
	}
	if c.BearerToken == "" && c.BearerTokenFile != "" {
		data, err := os.ReadFile(c.BearerTokenFile)
		if err != nil {
			return nil, fmt.Errorf("cluster %s: token file: %w", name, err)
		}
		c.BearerToken = strings.TrimSpace(string(data))
	}
	s := &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: SecretNamespace, Labels: maps.Clone(labels)},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{KeyEndpoint: []byte(c.Host)},
	}
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	if len(c.CAData) > 0 {
		s.Data[KeyCA] = c.CAData
	}
	switch {
	case len(c.CertData) > 0 && len(c.KeyData) > 0:
		s.Labels[LabelCredentialType] = TypeX509Certificate
		s.Data[KeyCert], s.Data[KeyKey] = c.CertData, c.KeyData
	case c.BearerToken != "":
		s.Labels[LabelCredentialType] = TypeServiceAccountToken
		s.Data[KeyToken] = []byte(c.BearerToken)
	default:
		return nil, fmt.Errorf("cluster %s: the context has neither a client certificate nor a token", name)
	}
	return s, nil
}

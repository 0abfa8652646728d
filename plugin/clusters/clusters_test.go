package clusters

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/oamgitops/kubectl-gitops/krm/workflow"
)

const secretToken = "s3cret-t0ken-value"

func TestReadFile(t *testing.T) {
	tests := map[string]struct {
		yaml    string
		want    []Entry
		wantErr string
	}{
		"contexts and labels": {yaml: "clusters:\n- {name: staging, context: kind-staging, labels: {env: staging}}\n- {name: prod}\n",
			want: []Entry{{Name: "staging", Context: "kind-staging", Labels: map[string]string{"env": "staging"}, Origin: "F: clusters[0]"},
				{Name: "prod", Context: "prod", Origin: "F: clusters[1]"}}},
		"unknown field": {yaml: "clusters:\n- {name: prod, contxt: p}\n", wantErr: `F: error unmarshaling JSON: while decoding JSON: json: unknown field "contxt"`},
		"no name":       {yaml: "clusters:\n- {context: p}\n", wantErr: "F: clusters[0]: name: cluster name \"\""},
		"bad name":      {yaml: "clusters:\n- {name: Prod_EU}\n", wantErr: `F: clusters[0]: name: cluster name "Prod_EU"`},
		"twice":         {yaml: "clusters:\n- {name: prod}\n- {name: prod, context: other}\n", wantErr: "F: clusters[1]: cluster prod is given twice"},
		"bad label":     {yaml: "clusters:\n- {name: prod, labels: {env: 'a b'}}\n", wantErr: `F: clusters[0]: labels: env: value "a b"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "clusters.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := ReadFile(path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(strings.ReplaceAll(err.Error(), path, "F"), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				got[i].Origin = strings.ReplaceAll(got[i].Origin, path, "F")
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNew(t *testing.T) {
	local := Local(&rest.Config{Host: "https://127.0.0.1:6443"})
	prod := Cluster{Name: "prod", Labels: map[string]string{"env": "prod"}, Type: TypeKubeconfig, From: "kubeconfig context prod"}
	staging := Cluster{Name: "staging", Type: TypeX509Certificate, From: "Secret vela-system/staging"}
	r, err := New(prod, staging, local)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.Names(), " "); got != "local prod staging" {
		t.Errorf("names %q, want local first, then sorted", got)
	}
	want := []workflow.Cluster{{Name: "local", Labels: map[string]string{}}, {Name: "prod", Labels: map[string]string{"env": "prod"}}, {Name: "staging", Labels: map[string]string{}}}
	if diff := cmp.Diff(want, r.Workflow(), cmp.Comparer(func(a, b map[string]string) bool { return len(a) == 0 && len(b) == 0 || cmp.Equal(a, b) })); diff != "" {
		t.Errorf("workflow (-want +got):\n%s", diff)
	}
	for name, tc := range map[string]struct {
		clusters []Cluster
		wantErr  string
	}{
		"twice":         {[]Cluster{prod, {Name: "prod", From: "Secret vela-system/prod"}}, "cluster prod is registered twice: by kubeconfig context prod and by Secret vela-system/prod"},
		"local claimed": {[]Cluster{local, {Name: "local", From: "kubeconfig context local"}}, `kubeconfig context local: the name "local" is the cluster the command talks to`},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := New(tc.clusters...); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func kubeconfig() clientcmdapi.Config {
	return clientcmdapi.Config{
		Clusters: map[string]*clientcmdapi.Cluster{
			"a": {Server: "https://a.example:6443", CertificateAuthorityData: []byte("CA-A")},
			"b": {Server: "https://b.example:6443"},
		},
		AuthInfos: map[string]*clientcmdapi.AuthInfo{
			"token": {Token: secretToken},
			"cert":  {ClientCertificateData: []byte("CERT"), ClientKeyData: []byte("KEY")},
			"exec":  {Exec: &clientcmdapi.ExecConfig{Command: "aws", APIVersion: "client.authentication.k8s.io/v1", InteractiveMode: clientcmdapi.NeverExecInteractiveMode}},
		},
		Contexts: map[string]*clientcmdapi.Context{
			"kind-staging": {Cluster: "a", AuthInfo: "cert"},
			"prod-eu":      {Cluster: "b", AuthInfo: "token"},
			"eks":          {Cluster: "b", AuthInfo: "exec"},
		},
	}
}

func TestFromKubeconfig(t *testing.T) {
	cfg := kubeconfig()
	entries := []Entry{{Name: "prod", Context: "prod-eu", Labels: map[string]string{"env": "prod"}, Origin: "clusters.yaml: clusters[0]"}}
	got, err := FromKubeconfig(cfg, "KUBECONFIG", entries, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "prod" || got[0].Endpoint != "https://b.example:6443" || got[0].Labels["env"] != "prod" ||
		got[0].Config.BearerToken != secretToken || got[0].From != "kubeconfig context prod-eu" {
		t.Errorf("clusters %+v", got)
	}
	all, err := FromKubeconfig(cfg, "KUBECONFIG", entries, true)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range all {
		names = append(names, c.Name)
	}
	if strings.Join(names, " ") != "prod eks kind-staging" {
		t.Errorf("names %v: want the entry, then the other contexts by name", names)
	}

	missing := []Entry{{Name: "prod", Context: "prod-us", Origin: "--cluster prod=prod-us"}}
	if _, err := FromKubeconfig(cfg, "KUBECONFIG", missing, false); err == nil ||
		err.Error() != `--cluster prod=prod-us: cluster prod: context "prod-us" is not in KUBECONFIG (it has eks, kind-staging, prod-eu)` {
		t.Errorf("missing context: %v", err)
	}
	cfg.Contexts["arn:aws:eks:eu-west-1:1:cluster/x"] = &clientcmdapi.Context{Cluster: "a", AuthInfo: "cert"}
	if _, err := FromKubeconfig(cfg, "KUBECONFIG", nil, true); err == nil || !strings.Contains(err.Error(), "name it with --cluster NAME=arn:aws:eks") {
		t.Errorf("a context that is no cluster name: %v", err)
	}
}

// A context written as a Secret reads back as the same cluster; the
// credentials stay out of every error.
func TestSecretRoundTrip(t *testing.T) {
	cfg := kubeconfig()
	for _, tc := range []struct {
		context, wantType string
	}{{"kind-staging", TypeX509Certificate}, {"prod-eu", TypeServiceAccountToken}} {
		t.Run(tc.context, func(t *testing.T) {
			cs, err := FromKubeconfig(cfg, "KUBECONFIG", []Entry{{Name: "c", Context: tc.context}}, false)
			if err != nil {
				t.Fatal(err)
			}
			s, err := SecretFor("joined", map[string]string{"env": "prod"}, cs[0].Config)
			if err != nil {
				t.Fatal(err)
			}
			if s.Namespace != SecretNamespace || s.Labels[LabelCredentialType] != tc.wantType {
				t.Errorf("secret %s/%s labels %v", s.Namespace, s.Name, s.Labels)
			}
			back, err := FromSecret(s)
			if err != nil {
				t.Fatal(err)
			}
			if back.Name != "joined" || back.Type != tc.wantType || back.Endpoint != cs[0].Endpoint || !cmp.Equal(back.Labels, map[string]string{"env": "prod"}) ||
				back.Config.BearerToken != cs[0].Config.BearerToken || string(back.Config.CertData) != string(cs[0].Config.CertData) ||
				back.Config.Insecure != (len(cs[0].Config.CAData) == 0) {
				t.Errorf("read back %+v from %+v", back, cs[0])
			}
		})
	}
	eks, err := FromKubeconfig(cfg, "KUBECONFIG", []Entry{{Name: "eks", Context: "eks"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SecretFor("eks", nil, eks[0].Config); err == nil || !strings.Contains(err.Error(), "exec plugin") {
		t.Errorf("exec context: %v", err)
	}
	if _, err := SecretFor("local", nil, &rest.Config{Host: "https://x", BearerToken: secretToken}); err == nil || strings.Contains(err.Error(), secretToken) {
		t.Errorf("local: %v", err)
	}
}

func TestFromSecretErrors(t *testing.T) {
	secret := func(typ string, data map[string]string) *corev1.Secret {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "prod", Namespace: SecretNamespace, Labels: map[string]string{LabelCredentialType: typ}}, Data: map[string][]byte{}}
		for k, v := range data {
			s.Data[k] = []byte(v)
		}
		return s
	}
	for name, tc := range map[string]struct {
		s       *corev1.Secret
		wantErr string
	}{
		"no endpoint":  {secret(TypeServiceAccountToken, map[string]string{KeyToken: secretToken}), "Secret vela-system/prod: data.endpoint: missing"},
		"no token":     {secret(TypeServiceAccountToken, map[string]string{KeyEndpoint: "https://p"}), "a ServiceAccountToken cluster needs data.token"},
		"no key":       {secret(TypeX509Certificate, map[string]string{KeyEndpoint: "https://p", KeyCert: "C"}), "needs data.tls.crt and data.tls.key"},
		"unknown type": {secret("Password", map[string]string{KeyEndpoint: "https://p", KeyToken: secretToken}), `label cluster.core.oam.dev/cluster-credential-type: "Password"`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := FromSecret(tc.s)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), secretToken) {
				t.Errorf("error %v, want %q and no token", err, tc.wantErr)
			}
		})
	}
}

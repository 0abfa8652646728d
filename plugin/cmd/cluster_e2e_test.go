package cmd_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oamgitops/kubectl-gitops/plugin/clusters"
)

// The cluster registry from the command line: the test cluster joined
// again under the name prod (its own kubeconfig: a token), listed with
// local, labelled, detached; a missing context and a cluster that does not
// answer are refused with nothing written, and the token never printed.
func TestClusterJoinListLabelsDetach(t *testing.T) {
	ns := env.NewNamespace(t) // holds the cluster Secrets, in place of vela-system
	ctx := context.Background()
	dir := t.TempDir()
	run := func(args ...string) (string, string, int) {
		res := gitops(t, dir, append([]string{"cluster"}, append(args, "--cluster-secrets-namespace", ns)...)...)
		return res.Stdout, res.Stderr, res.Code
	}

	_, stderr, code := run("join", "prod", "--cluster-kubeconfig", env.Kubeconfig, "--labels", "env=prod,region=us")
	if code != 0 || !strings.Contains(stderr, "cluster prod joined ("+env.Server+", ServiceAccountToken): Secret "+ns+"/prod") {
		t.Fatalf("join: exit %d\n%s", code, stderr)
	}
	s, err := env.Client.CoreV1().Secrets(ns).Get(ctx, "prod", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	token := string(s.Data[clusters.KeyToken])
	if token == "" || s.Labels[clusters.LabelCredentialType] != clusters.TypeServiceAccountToken || string(s.Data[clusters.KeyEndpoint]) != env.Server {
		t.Fatalf("Secret labels %v, keys %v", s.Labels, keys(s.Data))
	}

	stdout, _, code := run("list", "-o", "json")
	var rows []struct {
		Name, Type, Endpoint string
		Labels               map[string]string
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &rows) != nil || len(rows) != 2 || rows[0].Name != "local" || rows[1].Name != "prod" ||
		rows[1].Labels["env"] != "prod" || rows[1].Type != clusters.TypeServiceAccountToken {
		t.Errorf("list: exit %d\n%s", code, stdout)
	}
	if stdout, _, _ := run("list"); !strings.Contains(stdout, "prod      ServiceAccountToken   "+env.Server+"   env=prod,region=us") {
		t.Errorf("list table:\n%s", stdout)
	}

	if _, stderr, code := run("labels", "prod", "region=eu", "env-"); code != 0 || !strings.Contains(stderr, "cluster prod labels: region=eu") {
		t.Errorf("labels: exit %d\n%s", code, stderr)
	}

	// Refused, nothing written.
	unreachable := filepath.Join(dir, "unreachable.kubeconfig")
	data, err := os.ReadFile(env.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(unreachable, []byte(strings.ReplaceAll(string(data), env.Server, "https://127.0.0.1:1")), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"missing context": {[]string{"join", "staging", "--cluster-kubeconfig", env.Kubeconfig, "--cluster-context", "nope"},
			`cluster join staging: cluster staging: context "nope" is not in ` + env.Kubeconfig},
		"does not answer": {[]string{"join", "staging", "--cluster-kubeconfig", unreachable, "--timeout", "3s"},
			"cluster staging (https://127.0.0.1:1) does not answer"},
		"local":           {[]string{"detach", "local"}, "local is the hub itself"},
		"not joined":      {[]string{"labels", "staging", "a=b"}, "cluster staging is not joined"},
		"credential type": {[]string{"labels", "prod", clusters.LabelCredentialType + "=X509Certificate"}, "says how the cluster is reached"},
	} {
		t.Run(name, func(t *testing.T) {
			_, stderr, code := run(tc.args...)
			if code == 0 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, want an error with %q:\n%s", code, tc.want, stderr)
			}
		})
	}
	if _, err := env.Client.CoreV1().Secrets(ns).Get(ctx, "staging", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("a refused join wrote its Secret: %v", err)
	}

	// A Secret of another kind under a cluster's name is not taken over.
	if _, err := env.Client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := run("join", "db", "--cluster-kubeconfig", env.Kubeconfig); code == 0 || !strings.Contains(stderr, "exists and is not a cluster's") {
		t.Errorf("join over another Secret: exit %d\n%s", code, stderr)
	}

	if _, stderr, code := run("detach", "prod"); code != 0 || !strings.Contains(stderr, "cluster prod detached") {
		t.Errorf("detach: exit %d\n%s", code, stderr)
	}
	if _, err := env.Client.CoreV1().Secrets(ns).Get(ctx, "prod", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("after detach: %v", err)
	}
	for _, args := range [][]string{{"list"}, {"list", "-o", "yaml"}, {"detach", "prod"}} {
		stdout, stderr, _ := run(args...)
		if strings.Contains(stdout+stderr, token) {
			t.Errorf("cluster %s printed the token", strings.Join(args, " "))
		}
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

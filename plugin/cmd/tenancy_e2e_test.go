package cmd_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"

	"github.com/oamgitops/kubectl-gitops/plugin/install"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

// tenant makes a ServiceAccount deployer in ns that may edit what is in ns
// (the built-in edit ClusterRole through a RoleBinding), nothing else, and
// the namespace's git-secret.
func tenant(ctx context.Context, t *testing.T, ns string) {
	t.Helper()
	objs := []func() error{
		func() error {
			_, err := env.Client.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "deployer"}}, metav1.CreateOptions{})
			return err
		},
		func() error {
			_, err := env.Client.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "deployer-edit"},
				RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "edit"},
				Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "deployer", Namespace: ns}}}, metav1.CreateOptions{})
			return err
		},
		func() error {
			_, err := env.Client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "git-secret"},
				StringData: map[string]string{"username": gitUser, "password": gitPassword}}, metav1.CreateOptions{})
			return err
		},
	}
	for _, create := range objs {
		if err := create(); err != nil {
			t.Fatal(err)
		}
	}
}

// A source applied as its team's ServiceAccount (serviceAccountName, or
// --default-service-account) may change its own namespace only: a
// ClusterRoleBinding, a Namespace or an object in another team's
// namespace is refused before anything of the source is applied, naming
// the object and the permission; another team's Secret cannot be named,
// nor a nested source declared in the other team's namespace; the other
// team's source syncs all along.
func TestTenantsStayInTheirNamespace(t *testing.T) {
	teamA, teamB := env.NewNamespace(t), env.NewNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tenant(ctx, t, teamA)
	tenant(ctx, t, teamB)
	srv := gitserver.Start(t, gitserver.Options{Username: gitUser, Password: gitPassword})
	repo := srv.MustCreate(t, "tenants")
	cm := func(ns, name string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", namespace: " + ns + "}\ndata: {a: b}\n"
	}
	app := func(ns, name, path, extra string) string {
		return "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec:\n  components:\n" +
			"    - name: src\n      type: kustomize\n      properties: {url: " + srv.URL("tenants") + ", git: {branch: main}, path: " + path + extra + "}\n"
	}
	sa := ", secretRef: git-secret, serviceAccountName: deployer"
	crb := "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: " + teamA + "-admin}\n" +
		"roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n" +
		"subjects: [{kind: ServiceAccount, name: deployer, namespace: " + teamA + "}]\n"
	repo.MustWriteFiles(t, map[string]string{
		"a/ok/cm.yaml":              cm(teamA, "a-settings"),
		"a/crb/cm.yaml":             cm(teamA, "crb-decoy"),
		"a/crb/crb.yaml":            crb,
		"a/ns/cm.yaml":              cm(teamA, "ns-decoy"),
		"a/ns/ns.yaml":              "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + teamA + "-extra}\n",
		"a/cross/cm.yaml":           cm(teamA, "cross-decoy"),
		"a/cross/theirs.yaml":       cm(teamB, "planted-by-a"),
		"b/cm.yaml":                 cm(teamB, "b-settings"),
		"a/nest/cm.yaml":            cm(teamA, "nest-decoy"),
		"a/nest/hijack.yaml":        app(teamB, "hijack", "b", sa),
		"clusters/a-nest.yaml":      app(teamA, "nest", "a/nest", sa),
		"clusters/a-nest-flag.yaml": app(teamA, "nestflag", "a/nest", ", secretRef: git-secret"),
		"clusters/a-ok.yaml":        app(teamA, "ok", "a/ok", sa),
		"clusters/a-crb.yaml":       app(teamA, "crb", "a/crb", sa),
		"clusters/a-ns.yaml":        app(teamA, "ns", "a/ns", ", secretRef: git-secret"), // by --default-service-account
		"clusters/a-cross.yaml":     app(teamA, "cross", "a/cross", sa),
		"clusters/a-steal.yaml":     app(teamA, "steal", "a/ok", ", secretRef: b-git-secret, serviceAccountName: deployer"),
		"clusters/b.yaml":           app(teamB, "b", "b", sa),
	})
	repo.MustCommit(t, "two teams")
	repo.MustPush(t)
	if _, err := env.Client.CoreV1().Secrets(teamB).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "b-git-secret"},
		StringData: map[string]string{"username": gitUser, "password": gitPassword}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	sync := func(file string, extra ...string) (int, string) {
		res := gitops(t, repo.Work, append([]string{"sync", filepath.Join("clusters", file)}, extra...)...)
		return res.Code, res.Stderr
	}

	if code, out := sync("a-ok.yaml"); code != 0 {
		t.Fatalf("team-a's own namespace: exit %d\n%s", code, out)
	}
	if _, err := env.Client.CoreV1().ConfigMaps(teamA).Get(ctx, "a-settings", metav1.GetOptions{}); err != nil {
		t.Errorf("team-a's ConfigMap: %v", err)
	}
	for _, tc := range []struct {
		file, decoy string
		extra       []string
		want        string
	}{
		{"a-crb.yaml", "crb-decoy", nil, "ClusterRoleBinding/" + teamA + "-admin: forbidden: ServiceAccount " + teamA +
			"/deployer may not create clusterrolebindings.rbac.authorization.k8s.io cluster-wide"},
		{"a-ns.yaml", "ns-decoy", []string{"--default-service-account", "deployer"}, "Namespace/" + teamA +
			"-extra: forbidden: ServiceAccount " + teamA + "/deployer may not create namespaces cluster-wide"},
		{"a-cross.yaml", "cross-decoy", nil, "ConfigMap/" + teamB + "/planted-by-a: forbidden: ServiceAccount " + teamA +
			"/deployer may not create configmaps in namespace " + teamB},
	} {
		code, out := sync(tc.file, tc.extra...)
		if code == 0 || !strings.Contains(out, tc.want) || !strings.Contains(out, "nothing of this source was applied") {
			t.Errorf("sync %s: exit %d, want a refusal with %q:\n%s", tc.file, code, tc.want, out)
		}
		if _, err := env.Client.CoreV1().ConfigMaps(teamA).Get(ctx, tc.decoy, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("sync %s: the ConfigMap beside the refused object: %v, want it never applied", tc.file, err)
		}
	}
	// A nested source in team-b would be synced with team-b's rights.
	for _, tc := range []struct {
		file  string
		extra []string
	}{{"a-nest.yaml", nil}, {"a-nest-flag.yaml", []string{"--no-cross-namespace-refs"}}} {
		code, out := sync(tc.file, tc.extra...)
		if code == 0 || !strings.Contains(out, "a nested source may not leave its parent's namespace: it is in namespace "+teamB) {
			t.Errorf("sync %s: exit %d, want the nested source in %s refused:\n%s", tc.file, code, teamB, out)
		}
		if _, err := env.Client.CoreV1().ConfigMaps(teamA).Get(ctx, "nest-decoy", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("sync %s: the ConfigMap of the refused build: %v, want it never applied", tc.file, err)
		}
	}
	if code, out := sync("a-steal.yaml"); code == 0 || !strings.Contains(out, "Secret "+teamA+"/b-git-secret not found") {
		t.Errorf("team-a naming team-b's Secret: exit %d, want it looked up in %s only:\n%s", code, teamA, out)
	}
	for what, get := range map[string]func() error{
		"the ClusterRoleBinding": func() error {
			_, err := env.Client.RbacV1().ClusterRoleBindings().Get(ctx, teamA+"-admin", metav1.GetOptions{})
			return err
		},
		"the Namespace": func() error {
			_, err := env.Client.CoreV1().Namespaces().Get(ctx, teamA+"-extra", metav1.GetOptions{})
			return err
		},
		"the ConfigMap in team-b": func() error {
			_, err := env.Client.CoreV1().ConfigMaps(teamB).Get(ctx, "planted-by-a", metav1.GetOptions{})
			return err
		},
	} {
		if err := get(); !apierrors.IsNotFound(err) {
			t.Errorf("%s: %v, want it never created", what, err)
		}
	}
	if code, out := sync("b.yaml"); code != 0 {
		t.Errorf("team-b's own source: exit %d\n%s", code, out)
	}
}

// agentKubeconfig writes a kubeconfig that authenticates as the agent's
// ServiceAccount in system, with a token of it: what the Pod has.
func agentKubeconfig(ctx context.Context, t *testing.T, system string) string {
	t.Helper()
	tok, err := env.Client.CoreV1().ServiceAccounts(system).CreateToken(ctx, install.AgentName,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = &clientcmdapi.Cluster{Server: env.Server, CertificateAuthorityData: env.RESTConfig.CAData}
	cfg.AuthInfos["agent"] = &clientcmdapi.AuthInfo{Token: tok.Status.Token}
	cfg.Contexts["agent"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "agent"}
	cfg.CurrentContext = "agent"
	path := filepath.Join(t.TempDir(), "agent.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// install --lockdown: the agent runs with its lockdown ClusterRole only
// (a token of its ServiceAccount) and applies each source as the team's
// ServiceAccount: team-a's own objects are synced, Ready and, once the
// Application is deleted, garbage-collected; its ClusterRoleBinding is
// refused, Ready=False naming the permission.
func TestLockdownAgent(t *testing.T) {
	teamA := env.NewNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	system := "gitops-" + teamA
	mustSucceed(t, gitops(t, t.TempDir(), "install", "--lockdown", "--default-service-account", "deployer", "-n", system), "install --lockdown")
	t.Cleanup(func() { uninstallAll(t, system) })
	if crb, err := env.Client.RbacV1().ClusterRoles().Get(ctx, install.AgentName, metav1.GetOptions{}); err != nil || len(crb.Rules) == 0 || crb.Rules[0].Verbs[0] != "impersonate" {
		t.Fatalf("the lockdown ClusterRole: %v %+v", err, crb)
	}
	tenant(ctx, t, teamA)
	srv := gitserver.Start(t, gitserver.Options{Username: gitUser, Password: gitPassword})
	repo := srv.MustCreate(t, "lockdown")
	app := func(name, path string) string {
		return "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: " + name + ", namespace: " + teamA + "}\nspec:\n  components:\n" +
			"    - name: src\n      type: kustomize\n      properties: {url: " + srv.URL("lockdown") + ", git: {branch: main}, path: " + path + ", secretRef: git-secret}\n"
	}
	repo.MustWriteFiles(t, map[string]string{
		"ok/cm.yaml":           "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok-settings, namespace: " + teamA + "}\ndata: {a: b}\n",
		"crb/crb.yaml":         "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: " + teamA + "-lockdown}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: ServiceAccount, name: deployer, namespace: " + teamA + "}]\n",
		"clusters/ok.yaml":     app("ok", "ok"),
		"clusters/escape.yaml": app("escape", "crb"),
	})
	repo.MustCommit(t, "lockdown")
	repo.MustPush(t)

	agent := startGitopsWith(t, repo.Work, agentKubeconfig(ctx, t, system), "agent", "--interval", "2s",
		"--default-service-account", "deployer", "--no-cross-namespace-refs")
	kubectl(t, "apply", "-f", filepath.Join(repo.Work, "clusters/ok.yaml"), "-f", filepath.Join(repo.Work, "clusters/escape.yaml"))
	kubectl(t, "wait", "--for=condition=Ready", "application/ok", "-n", teamA, "--timeout=90s")
	eventually(t, time.Minute, "the escape refused", func() string {
		out := kubectl(t, "get", "application/escape", "-n", teamA, "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].message}`)
		if !strings.Contains(out, "forbidden: ServiceAccount "+teamA+"/deployer may not create clusterrolebindings.rbac.authorization.k8s.io cluster-wide") {
			return "Ready message: " + out
		}
		return ""
	})
	if _, err := env.Client.RbacV1().ClusterRoleBindings().Get(ctx, teamA+"-lockdown", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the ClusterRoleBinding: %v, want it never created", err)
	}
	kubectl(t, "delete", "-f", filepath.Join(repo.Work, "clusters/ok.yaml"), "--timeout=90s")
	if _, err := env.Client.CoreV1().ConfigMaps(teamA).Get(ctx, "ok-settings", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("ok-settings after its Application was deleted: %v, want it collected", err)
	}
	if out := agent.stderr.String(); strings.Contains(out, "forbidden") && strings.Contains(out, "system:serviceaccount:"+system) {
		t.Errorf("the agent's own identity was refused something:\n%s", out)
	}
}

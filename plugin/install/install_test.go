package install_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/oamgitops/kubectl-gitops/plugin/install"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestObjectsGolden(t *testing.T) {
	namespaced := install.DefaultOptions("v0.1.0")
	namespaced.Namespace, namespaced.Image, namespaced.RBAC = "team-a", "registry.example.com/gitops:v2", install.RBACNamespaced
	sharded := install.DefaultOptions("v0.1.0")
	sharded.Replicas, sharded.Shards = 2, 2
	sharded.Image, sharded.ImagePullPolicy = "127.0.0.1:5000/kubectl-gitops:dev", "IfNotPresent"
	sharded.NodeSelector = map[string]string{"kubernetes.io/os": "linux", "node-role.kubernetes.io/infra": ""}
	sharded.Tolerations = []corev1.Toleration{{Key: "infra", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
	sharded.Resources = corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("512Mi")}}
	sharded.HostNetwork = true
	sharded.Env = []corev1.EnvVar{{Name: "KUBERNETES_SERVICE_HOST", Value: "127.0.0.1"}}
	lockdown := install.DefaultOptions("v0.1.0")
	lockdown.Lockdown = true
	tests := map[string]install.Options{
		"lockdown":   lockdown,
		"default":    install.DefaultOptions("v0.1.0"),
		"namespaced": namespaced,
		"sharded":    sharded,
	}
	for name, opts := range tests {
		t.Run(name, func(t *testing.T) {
			objs, err := install.Objects(opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := install.WriteYAML(objs)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", name+".yaml")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", golden, diff)
			}
			for _, o := range objs {
				if !install.Owned(o) {
					t.Errorf("%s %s lacks the %s label: uninstall would leave it", o.GetKind(), o.GetName(), install.ManagedByLabel)
				}
				if ns := o.GetNamespace(); ns != "" && ns != opts.Namespace {
					t.Errorf("%s %s in namespace %s, want %s", o.GetKind(), o.GetName(), ns, opts.Namespace)
				}
			}
		})
	}
}

func TestObjectsKinds(t *testing.T) {
	kinds := func(o install.Options) string {
		objs, err := install.Objects(o)
		if err != nil {
			t.Fatal(err)
		}
		var ks []string
		for _, obj := range objs {
			ks = append(ks, obj.GetKind())
		}
		return strings.Join(ks, ",")
	}
	cluster := install.DefaultOptions("dev")
	namespaced := cluster
	namespaced.RBAC = install.RBACNamespaced
	sharded := cluster
	sharded.Shards = 2
	tests := map[string]struct {
		opts install.Options
		want string
	}{
		"cluster":    {cluster, "CustomResourceDefinition,Namespace,ServiceAccount,ClusterRole,ClusterRoleBinding,Role,RoleBinding,Deployment"},
		"namespaced": {namespaced, "CustomResourceDefinition,Namespace,ServiceAccount,Role,RoleBinding,Role,RoleBinding,Deployment"},
		"two shards": {sharded, "CustomResourceDefinition,Namespace,ServiceAccount,ClusterRole,ClusterRoleBinding,Role,RoleBinding,Deployment,Deployment,Deployment"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, kinds(tc.opts)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestOptionsValidate(t *testing.T) {
	ok := install.DefaultOptions("v1.0.0")
	tests := map[string]struct {
		mutate func(*install.Options)
		want   string
	}{
		"defaults":                           {func(*install.Options) {}, ""},
		"bad namespace":                      {func(o *install.Options) { o.Namespace = "Not_A_Name" }, `namespace "Not_A_Name"`},
		"empty image":                        {func(o *install.Options) { o.Image = "" }, `image ""`},
		"template inject":                    {func(o *install.Options) { o.Image = "x}}{{" }, `image "x}}{{"`},
		"unknown rbac":                       {func(o *install.Options) { o.RBAC = "none" }, `rbac "none": want cluster or namespaced`},
		"no replica":                         {func(o *install.Options) { o.Replicas = 0 }, "replicas 0: want at least 1"},
		"negative shards":                    {func(o *install.Options) { o.Shards = -1 }, "shards -1"},
		"bad pull policy":                    {func(o *install.Options) { o.ImagePullPolicy = "Sometimes" }, `image pull policy "Sometimes"`},
		"bad node label":                     {func(o *install.Options) { o.NodeSelector = map[string]string{"a b": "c"} }, "node selector a b=c"},
		"bad env name":                       {func(o *install.Options) { o.Env = []corev1.EnvVar{{Name: "1X"}} }, "env 1X"},
		"same ports":                         {func(o *install.Options) { o.MetricsPort = o.HealthPort }, "both 8081"},
		"lockdown":                           {func(o *install.Options) { o.Lockdown, o.DefaultServiceAccount = true, "deployer" }, ""},
		"lockdown in one namespace":          {func(o *install.Options) { o.Lockdown, o.RBAC = true, install.RBACNamespaced }, "pick one"},
		"a default account without lockdown": {func(o *install.Options) { o.DefaultServiceAccount = "deployer" }, "it needs lockdown"},
		"a default account that is no name":  {func(o *install.Options) { o.Lockdown, o.DefaultServiceAccount = true, "system:admin" }, `default service account "system:admin"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := ok
			tc.mutate(&o)
			got := ""
			if err := o.Validate(); err != nil {
				got = err.Error()
			}
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("Validate() = %q, want it to contain %q", got, tc.want)
			}
		})
	}
}

func TestDefaultImage(t *testing.T) {
	tests := map[string]string{
		"v0.3.1": "ghcr.io/oamgitops/kubectl-gitops:v0.3.1",
		"dev":    "ghcr.io/oamgitops/kubectl-gitops:latest",
		"":       "ghcr.io/oamgitops/kubectl-gitops:latest",
	}
	for version, want := range tests {
		t.Run("version "+version, func(t *testing.T) {
			if diff := cmp.Diff(want, install.DefaultImage(version)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

package install

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"text/template"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/kustomize/kyaml/kio"
	sigsyaml "sigs.k8s.io/yaml"
)

//go:embed manifests/*.yaml
var manifests embed.FS

// Labels every object install creates carries.
const (
	ManagedByLabel = "app.kubernetes.io/managed-by"
	ManagedBy      = "kubectl-gitops"
)

// Names of what install creates.
const (
	DefaultNamespace = "kubectl-gitops-system"
	CRDName          = "applications.core.oam.dev"
	AgentName        = "kubectl-gitops-agent"
	// ImageRepository is where the agent image is published.
	ImageRepository = "ghcr.io/oamgitops/kubectl-gitops"
)

// RBAC modes.
const (
	// RBACCluster lets the agent do anything anywhere (cluster-admin
	// equivalent): sources may hold CRDs, Namespaces and objects of any
	// namespace.
	RBACCluster = "cluster"
	// RBACNamespaced confines the agent to its own namespace, and to the
	// Applications in it.
	RBACNamespaced = "namespaced"
)

// ShardLabel puts an Application into a shard: with Options.Shards, the
// agent of shard<N> reconciles the Applications labelled shard<N>, and
// the main agent those without the label.
const ShardLabel = "oamgitops.dev/shard"

// Options select what the manifests say.
type Options struct {
	// Namespace holds the agent. Default DefaultNamespace.
	Namespace string
	// Image is the agent's image. Default ImageRepository:<version>.
	Image string
	// ImagePullPolicy is the container's; "" leaves Kubernetes' default.
	ImagePullPolicy string
	// RBAC is RBACCluster (default) or RBACNamespaced.
	RBAC string
	// Replicas of each agent Deployment; the Lease holder acts. Default 1.
	Replicas int
	// Shards, when more than 0, adds one agent Deployment per shard
	// (shard1…shardN, see ShardLabel) beside the main one.
	Shards int
	// NodeSelector and Tolerations place the agent's Pods.
	NodeSelector map[string]string
	Tolerations  []corev1.Toleration
	// Resources of the agent container. Default requests 100m CPU and
	// 128Mi memory, limit 1Gi memory.
	Resources corev1.ResourceRequirements
	// HostNetwork runs the agent in the node's network namespace (for
	// clusters whose Pod network comes from what the agent installs).
	HostNetwork bool
	// Env are more environment variables of the agent container.
	Env []corev1.EnvVar
	// HealthPort and MetricsPort are where /healthz, /readyz and /metrics
	// answer. Default 8081 and 8080.
	HealthPort, MetricsPort int
	// Lockdown makes a multi-tenant agent, as Flux's lockdown: every
	// source is applied as a ServiceAccount of its own namespace (its
	// serviceAccountName, else DefaultServiceAccount), nested sources stay
	// in their parent's namespace, and the agent's own ClusterRole holds
	// only what that needs (impersonating ServiceAccounts, reading
	// Applications, inventories and Secrets, writing Application status
	// and finalizers, Events), not cluster-admin.
	Lockdown bool
	// DefaultServiceAccount is what Lockdown applies sources that name no
	// serviceAccountName as. Default "default".
	DefaultServiceAccount string
}

// DefaultOptions are install's defaults for the plugin of version.
func DefaultOptions(version string) Options {
	return Options{Namespace: DefaultNamespace, Image: DefaultImage(version), RBAC: RBACCluster, Replicas: 1,
		Resources: DefaultResources(), HealthPort: 8081, MetricsPort: 8080}
}

// DefaultResources are the agent container's requests and limits.
func DefaultResources() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
	}
}

// agent is one agent Deployment of the manifests.
type agent struct {
	Name, Selector          string
	HealthPort, MetricsPort int
}

// agents are the Deployments: the main one, and one per shard. On the
// host network, where their ports would clash on a node, shard N listens
// 10×N above the main agent.
func (o Options) agents() []agent {
	if o.Shards == 0 {
		return []agent{{Name: AgentName, HealthPort: o.HealthPort, MetricsPort: o.MetricsPort}}
	}
	out := []agent{{Name: AgentName, Selector: "!" + ShardLabel, HealthPort: o.HealthPort, MetricsPort: o.MetricsPort}}
	for i := 1; i <= o.Shards; i++ {
		shard := fmt.Sprintf("shard%d", i)
		a := agent{Name: AgentName + "-" + shard, Selector: ShardLabel + "=" + shard, HealthPort: o.HealthPort, MetricsPort: o.MetricsPort}
		if o.HostNetwork {
			a.HealthPort, a.MetricsPort = o.HealthPort+10*i, o.MetricsPort+10*i
		}
		out = append(out, a)
	}
	return out
}

// DefaultImage is the agent image of a plugin version; "dev" builds name
// the latest image.
func DefaultImage(version string) string {
	if version == "" || version == "dev" {
		version = "latest"
	}
	return ImageRepository + ":" + version
}

// Validate checks the options.
func (o Options) Validate() error {
	if errs := validation.IsDNS1123Label(o.Namespace); len(errs) > 0 {
		return fmt.Errorf("namespace %q: %s", o.Namespace, strings.Join(errs, "; "))
	}
	if o.Image == "" || strings.ContainsAny(o.Image, " \t\n\"'{}") {
		return fmt.Errorf("image %q: not an image reference", o.Image)
	}
	if o.RBAC != RBACCluster && o.RBAC != RBACNamespaced {
		return fmt.Errorf("rbac %q: want %s or %s", o.RBAC, RBACCluster, RBACNamespaced)
	}
	if o.Lockdown && o.RBAC == RBACNamespaced {
		return errors.New("lockdown and rbac namespaced: lockdown serves every namespace's teams, namespaced confines the agent to one; pick one")
	}
	if o.DefaultServiceAccount != "" {
		if !o.Lockdown {
			return errors.New("a default service account is what lockdown applies sources as: it needs lockdown")
		}
		if errs := validation.IsDNS1123Label(o.DefaultServiceAccount); len(errs) > 0 {
			return fmt.Errorf("default service account %q: %s", o.DefaultServiceAccount, strings.Join(errs, "; "))
		}
	}
	switch o.ImagePullPolicy {
	case "", string(corev1.PullAlways), string(corev1.PullIfNotPresent), string(corev1.PullNever):
	default:
		return fmt.Errorf("image pull policy %q: want Always, IfNotPresent or Never", o.ImagePullPolicy)
	}
	if o.Replicas < 1 {
		return fmt.Errorf("replicas %d: want at least 1", o.Replicas)
	}
	if o.Shards < 0 || o.Shards > 100 {
		return fmt.Errorf("shards %d: want 0 to 100", o.Shards)
	}
	for k, v := range o.NodeSelector {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return fmt.Errorf("node selector %s=%s: %s", k, v, strings.Join(errs, "; "))
		}
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			return fmt.Errorf("node selector %s=%s: %s", k, v, strings.Join(errs, "; "))
		}
	}
	for _, e := range o.Env {
		if errs := validation.IsEnvVarName(e.Name); len(errs) > 0 {
			return fmt.Errorf("env %s: %s", e.Name, strings.Join(errs, "; "))
		}
	}
	for _, p := range []int{o.HealthPort, o.MetricsPort} {
		if p < 1 || p+10*o.Shards > 65535 {
			return fmt.Errorf("port %d: want 1 to 65535", p)
		}
	}
	if o.HealthPort == o.MetricsPort {
		return fmt.Errorf("health and metrics ports are both %d", o.HealthPort)
	}
	return nil
}

// Objects renders the manifests for o, in the order they are applied:
// the CRD, the Namespace, RBAC, then the Deployment.
func Objects(o Options) ([]*unstructured.Unstructured, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.Lockdown && o.DefaultServiceAccount == "" {
		o.DefaultServiceAccount = "default"
	}
	data := struct {
		Options
		Namespaced bool
		Agents     []agent
	}{o, o.RBAC == RBACNamespaced, o.agents()}
	funcs := template.FuncMap{"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	}}
	files, err := fs.Glob(manifests, "manifests/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []*unstructured.Unstructured
	for _, f := range files {
		text, err := manifests.ReadFile(f)
		if err != nil {
			return nil, err
		}
		tmpl, err := template.New(path.Base(f)).Funcs(funcs).Option("missingkey=error").Parse(string(text))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		var buf bytes.Buffer
		if err := tmpl.Execute(&buf, data); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		nodes, err := (&kio.ByteReader{Reader: &buf, OmitReaderAnnotations: true}).Read()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, n := range nodes {
			m, err := n.Map()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			out = append(out, &unstructured.Unstructured{Object: m})
		}
	}
	return out, nil
}

// WriteYAML is objs as one YAML stream, as `install --dry-run` prints
// them.
func WriteYAML(objs []*unstructured.Unstructured) ([]byte, error) {
	var buf bytes.Buffer
	for i, o := range objs {
		data, err := sigsyaml.Marshal(o.Object)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", o.GetKind(), o.GetName(), err)
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(data)
	}
	return buf.Bytes(), nil
}

// ErrForeignCRD means the Application CRD in the cluster belongs to
// another installation, such as KubeVela.
var ErrForeignCRD = errors.New("the Application CRD belongs to another installation")

package install

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"text/template"

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

// Options select what the manifests say.
type Options struct {
	// Namespace holds the agent. Default DefaultNamespace.
	Namespace string
	// Image is the agent's image. Default ImageRepository:<version>.
	Image string
	// RBAC is RBACCluster (default) or RBACNamespaced.
	RBAC string
}

// DefaultOptions are install's defaults for the plugin of version.
func DefaultOptions(version string) Options {
	return Options{Namespace: DefaultNamespace, Image: DefaultImage(version), RBAC: RBACCluster}
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
	return nil
}

// Objects renders the manifests for o, in the order they are applied:
// the CRD, the Namespace, RBAC, then the Deployment.
func Objects(o Options) ([]*unstructured.Unstructured, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	data := struct {
		Namespace, Image string
		Namespaced       bool
	}{o.Namespace, o.Image, o.RBAC == RBACNamespaced}
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
		tmpl, err := template.New(path.Base(f)).Option("missingkey=error").Parse(string(text))
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

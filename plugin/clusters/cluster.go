package clusters

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/client-go/rest"

	"github.com/oamgitops/kubectl-gitops/krm/workflow"
)

// LocalName is the name of the cluster the command or agent talks to.
const LocalName = "local"

// How a cluster is reached, as `cluster list` shows it.
const (
	TypeLocal               = "Internal"
	TypeKubeconfig          = "Kubeconfig"
	TypeX509Certificate     = "X509Certificate"
	TypeServiceAccountToken = "ServiceAccountToken"
)

// Cluster is one cluster of the registry.
type Cluster struct {
	Name   string
	Labels map[string]string
	// Type says how it is reached (TypeLocal, TypeKubeconfig, ...).
	Type string
	// Endpoint is its API server's URL.
	Endpoint string
	// From says where it was registered: "local", "kubeconfig context
	// prod-eu", "Secret vela-system/prod".
	From string
	// Config connects to it.
	Config *rest.Config
}

// Local is the cluster cfg reaches, named "local".
func Local(cfg *rest.Config) Cluster {
	c := Cluster{Name: LocalName, Type: TypeLocal, From: "the current context", Config: cfg}
	if cfg != nil {
		c.Endpoint = cfg.Host
	}
	return c
}

// Registry is the clusters by name, local first, the others sorted.
type Registry struct {
	clusters []Cluster
}

// New merges clusters into a registry; a name given twice, or "local"
// given other than by Local, is an error naming where each came from.
func New(clusters ...Cluster) (*Registry, error) {
	byName := map[string]Cluster{}
	var errs []string
	for _, c := range clusters {
		switch prev, dup := byName[c.Name]; {
		case c.Name == "":
			errs = append(errs, fmt.Sprintf("%s: a cluster needs a name", c.From))
		case c.Name == LocalName && c.Type != TypeLocal:
			errs = append(errs, fmt.Sprintf("%s: the name %q is the cluster the command talks to; pick another", c.From, LocalName))
		case dup:
			errs = append(errs, fmt.Sprintf("cluster %s is registered twice: by %s and by %s", c.Name, prev.From, c.From))
		default:
			byName[c.Name] = c
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("clusters: %s", strings.Join(errs, "; "))
	}
	r := &Registry{}
	if local, ok := byName[LocalName]; ok {
		r.clusters = append(r.clusters, local)
		delete(byName, LocalName)
	}
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		r.clusters = append(r.clusters, byName[name])
	}
	return r, nil
}

// All are the clusters, local first.
func (r *Registry) All() []Cluster { return slices.Clone(r.clusters) }

// Get is the cluster named name.
func (r *Registry) Get(name string) (Cluster, bool) {
	for _, c := range r.clusters {
		if c.Name == name {
			return c, true
		}
	}
	return Cluster{}, false
}

// Names lists the clusters' names, for messages.
func (r *Registry) Names() []string {
	out := make([]string, len(r.clusters))
	for i, c := range r.clusters {
		out[i] = c.Name
	}
	return out
}

// Workflow is the registry as rendering sees it: names and labels, for
// topology policies to select from.
func (r *Registry) Workflow() []workflow.Cluster {
	out := make([]workflow.Cluster, len(r.clusters))
	for i, c := range r.clusters {
		out[i] = workflow.Cluster{Name: c.Name, Labels: maps.Clone(c.Labels)}
	}
	return out
}

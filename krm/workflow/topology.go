package workflow

import (
	"fmt"
	"sort"
	"strings"
)

// TopologyType is the policy type that places components on clusters.
const TopologyType = "topology"

// LocalCluster is the cluster the tool runs against ("local" in KubeVela).
const LocalCluster = "local"

// Cluster is one cluster the plan may place components on, with the labels
// a topology's clusterLabelSelector is matched against.
type Cluster struct {
	Name   string            `json:"name" yaml:"name"`
	Labels map[string]string `json:"labels,omitempty" yaml:"labels,omitempty"`
}

// Placement is where a unit is applied.
type Placement struct {
	Cluster string
	// Namespace is the namespace objects are moved to; "" keeps the
	// Application's.
	Namespace string
	// Topology is the topology policy that chose this placement, "" for none.
	Topology string
	// Labelled is true when a topology or a step named the cluster: the
	// objects then carry app.oam.dev/cluster.
	Labelled bool
}

func (p Placement) key() string { return p.Cluster + "/" + p.Namespace }

// topology is a parsed topology policy.
type topology struct {
	name          string
	clusters      []string
	hasClusters   bool
	labelSelector map[string]string
	hasSelector   bool
	namespace     string
	allowEmpty    bool
}

func parseTopology(name string, props map[string]any, field string) (*topology, error) {
	t := &topology{name: name}
	if props == nil {
		return nil, fmt.Errorf("%s.properties: topology policy %q must have properties", field, name)
	}
	for k := range props {
		switch k {
		case "clusters", "clusterLabelSelector", "clusterSelector", "namespace", "allowEmpty":
		default:
			return nil, fmt.Errorf("%s.properties.%s: unknown field of a topology policy (known: allowEmpty, clusterLabelSelector, clusters, namespace)", field, k)
		}
	}
	if v, ok := props["clusters"]; ok && v != nil {
		list, isList := v.([]any)
		if !isList {
			return nil, fmt.Errorf("%s.properties.clusters: expected list of cluster names", field)
		}
		t.hasClusters = true
		for i, c := range list {
			s, isStr := c.(string)
			if !isStr || s == "" {
				return nil, fmt.Errorf("%s.properties.clusters[%d]: expected a cluster name", field, i)
			}
			t.clusters = append(t.clusters, s)
		}
	}
	for _, key := range []string{"clusterLabelSelector", "clusterSelector"} {
		v, ok := props[key]
		if !ok || v == nil || t.hasSelector {
			continue
		}
		m, isMap := v.(map[string]any)
		if !isMap {
			return nil, fmt.Errorf("%s.properties.%s: expected a map of labels", field, key)
		}
		t.hasSelector = true
		t.labelSelector = map[string]string{}
		for k, lv := range m {
			s, isStr := lv.(string)
			if !isStr {
				return nil, fmt.Errorf("%s.properties.%s.%s: expected string", field, key, k)
			}
			t.labelSelector[k] = s
		}
	}
	if v, ok := props["namespace"]; ok && v != nil {
		s, isStr := v.(string)
		if !isStr {
			return nil, fmt.Errorf("%s.properties.namespace: expected string", field)
		}
		t.namespace = s
	}
	if v, ok := props["allowEmpty"]; ok && v != nil {
		b, isBool := v.(bool)
		if !isBool {
			return nil, fmt.Errorf("%s.properties.allowEmpty: expected bool", field)
		}
		t.allowEmpty = b
	}
	return t, nil
}

// placements resolves a topology against the known clusters, as KubeVela
// does: named clusters (which must be known, when a cluster list is given),
// else the clusters whose labels match, else the local cluster.
func (t *topology) placements(clusters []Cluster, field string) ([]Placement, error) {
	var out []Placement
	add := func(c string) {
		out = append(out, Placement{Cluster: c, Namespace: t.namespace, Topology: t.name, Labelled: true})
	}
	switch {
	case t.hasClusters:
		for i, c := range t.clusters {
			if clusters != nil && c != LocalCluster && !hasCluster(clusters, c) {
				return nil, fmt.Errorf("%s.properties.clusters[%d]: cluster %q is not in the function config's spec.clusters (known: %s)",
					field, i, c, clusterNames(clusters))
			}
			add(c)
		}
	case t.hasSelector:
		for _, c := range clusters {
			if matches(c.Labels, t.labelSelector) {
				add(c.Name)
			}
		}
		if len(out) == 0 && !t.allowEmpty {
			return nil, fmt.Errorf("%s.properties.clusterLabelSelector: no cluster matches %s (clusters: %s); list clusters with labels in the function config's spec.clusters, or set allowEmpty",
				field, formatLabels(t.labelSelector), clusterNames(clusters))
		}
	default:
		add(LocalCluster)
	}
	return out, nil
}

func hasCluster(clusters []Cluster, name string) bool {
	for _, c := range clusters {
		if c.Name == name {
			return true
		}
	}
	return false
}

func matches(labels, selector map[string]string) bool {
	for k, v := range selector {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func clusterNames(clusters []Cluster) string {
	if len(clusters) == 0 {
		return "none"
	}
	names := make([]string, len(clusters))
	for i, c := range clusters {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

func formatLabels(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

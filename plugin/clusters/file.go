package clusters

import (
	"fmt"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// Entry is a cluster as a clusters.yaml in the config repo, or a
// --cluster NAME=CONTEXT flag, names it: a kubeconfig context under a
// name, with labels.
type Entry struct {
	Name    string            `json:"name"`
	Context string            `json:"context,omitempty"`
	Labels  map[string]string `json:"labels,omitempty"`
	// Origin says where it was given, for messages.
	Origin string `json:"-"`
}

// File is a clusters.yaml:
//
//	clusters:
//	- name: prod
//	  context: prod-eu
//	  labels: {env: prod, region: eu}
type File struct {
	Clusters []Entry `json:"clusters"`
}

// ReadFile reads a clusters.yaml strictly: an unknown field, a cluster
// without a name, a name given twice or an invalid label is an error
// naming the file and the entry.
func ReadFile(path string) ([]Entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f File
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	seen := map[string]bool{}
	for i := range f.Clusters {
		e := &f.Clusters[i]
		e.Origin = fmt.Sprintf("%s: clusters[%d]", path, i)
		if e.Context == "" {
			e.Context = e.Name
		}
		if err := e.validate(); err != nil {
			return nil, err
		}
		if seen[e.Name] {
			return nil, fmt.Errorf("%s: cluster %s is given twice", e.Origin, e.Name)
		}
		seen[e.Name] = true
	}
	return f.Clusters, nil
}

// ParseFlag reads --cluster NAME=CONTEXT (or NAME, the context of that
// name).
func ParseFlag(v string) (Entry, error) {
	name, context, found := strings.Cut(v, "=")
	if !found {
		context = name
	}
	e := Entry{Name: name, Context: context, Origin: "--cluster " + v}
	return e, e.validate()
}

func (e Entry) validate() error {
	if err := ValidName(e.Name); err != nil {
		return fmt.Errorf("%s: name: %w", e.Origin, err)
	}
	if e.Context == "" {
		return fmt.Errorf("%s: context: empty", e.Origin)
	}
	for k, v := range e.Labels {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return fmt.Errorf("%s: labels: key %q: %s", e.Origin, k, strings.Join(errs, "; "))
		}
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			return fmt.Errorf("%s: labels: %s: value %q: %s", e.Origin, k, v, strings.Join(errs, "; "))
		}
	}
	return nil
}

// ValidName checks a cluster name: objects carry it as the label
// app.oam.dev/cluster, and a joined cluster's Secret is named by it, so it
// is a DNS-1123 label.
func ValidName(name string) error {
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		return fmt.Errorf("cluster name %q: %s", name, strings.Join(errs, "; "))
	}
	return nil
}

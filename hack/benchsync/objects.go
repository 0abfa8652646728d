package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// objectSet summarises the rendered objects both sides apply.
type objectSet struct {
	// Count is the number of objects.
	Count int
	// Namespaces are the namespaces the objects live in, sorted. Both
	// sides find them created beforehand.
	Namespaces []string
	// Kinds are the group/kinds of the objects.
	Kinds []schema.GroupKind
	// Deployments is the number of Deployments, Replicas the sum of
	// their replicas (1 when unset).
	Deployments int
	Replicas    int
}

// readObjects reads a multi-document YAML stream of objects.
func readObjects(r io.Reader) (objectSet, error) {
	var set objectSet
	namespaces := map[string]bool{}
	kinds := map[schema.GroupKind]bool{}
	dec := utilyaml.NewYAMLOrJSONDecoder(r, 4096)
	for {
		var obj unstructured.Unstructured
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return set, fmt.Errorf("rendered objects: object %d: %w", set.Count+1, err)
		}
		if len(obj.Object) == 0 {
			continue
		}
		set.Count++
		gk := obj.GroupVersionKind().GroupKind()
		kinds[gk] = true
		if ns := obj.GetNamespace(); ns != "" {
			namespaces[ns] = true
		}
		if gk == (schema.GroupKind{Group: "apps", Kind: "Deployment"}) {
			replicas, found, err := unstructured.NestedInt64(obj.Object, "spec", "replicas")
			if err != nil {
				return set, fmt.Errorf("rendered objects: Deployment %s/%s: spec.replicas: %w", obj.GetNamespace(), obj.GetName(), err)
			}
			if !found {
				replicas = 1
			}
			set.Deployments++
			set.Replicas += int(replicas)
		}
	}
	if set.Count == 0 {
		return set, errors.New("rendered objects: none")
	}
	for ns := range namespaces {
		set.Namespaces = append(set.Namespaces, ns)
	}
	sort.Strings(set.Namespaces)
	for gk := range kinds {
		set.Kinds = append(set.Kinds, gk)
	}
	sort.Slice(set.Kinds, func(i, j int) bool { return set.Kinds[i].String() < set.Kinds[j].String() })
	return set, nil
}

// resources maps the objects' kinds to the resources whose writes count as
// the tools' own, plus the inventory's (ConfigMap, and Secret for an
// inventory kept in one).
func (s objectSet) resources(mapper meta.RESTMapper) (map[schema.GroupResource]bool, error) {
	kinds := append([]schema.GroupKind{{Kind: "ConfigMap"}, {Kind: "Secret"}}, s.Kinds...)
	resources := map[schema.GroupResource]bool{}
	for _, gk := range kinds {
		m, err := mapper.RESTMapping(gk)
		if err != nil {
			return nil, fmt.Errorf("kind %s: %w", gk, err)
		}
		resources[m.Resource.GroupResource()] = true
	}
	return resources, nil
}

// readRendered reads the objects of a rendered YAML file.
func readRendered(path string) (objectSet, error) {
	f, err := os.Open(path)
	if err != nil {
		return objectSet{}, fmt.Errorf("rendered objects: %w", err)
	}
	defer f.Close()
	return readObjects(f)
}

// countApplications counts the `kind: Application` documents of the YAML
// files in dir.
func countApplications(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("applications: %w", err)
	}
	n := 0
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return 0, fmt.Errorf("applications: %w", err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if strings.TrimSpace(line) == "kind: Application" {
				n++
			}
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("applications: none in %s", dir)
	}
	return n, nil
}

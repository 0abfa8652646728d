package apply

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fluxcd/pkg/ssa"
	"github.com/fluxcd/pkg/ssa/utils"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/oamgitops/kubectl-gitops/krm/order"
)

// DependsOnAnnotation lists the objects an object waits for, comma
// separated: `<group>/namespaces/<namespace>/<kind>/<name>` or
// `<group>/<kind>/<name>` (cluster-scoped); the core group is empty.
const DependsOnAnnotation = order.Annotation

// objKey identifies an object in one cluster.
type objKey struct {
	Group, Kind, Namespace, Name string
}

func (k objKey) String() string {
	s := k.Kind + "/"
	if k.Group != "" {
		s = k.Kind + "." + k.Group + "/"
	}
	if k.Namespace != "" {
		s += k.Namespace + "/"
	}
	return s + k.Name
}

func keyOf(obj *unstructured.Unstructured) objKey {
	gk := obj.GroupVersionKind().GroupKind()
	return objKey{Group: gk.Group, Kind: gk.Kind, Namespace: obj.GetNamespace(), Name: obj.GetName()}
}

// parseDependsOn reads a depends-on annotation value.
func parseDependsOn(value string) ([]objKey, error) {
	refs, err := order.ParseDependsOn(value)
	if err != nil {
		return nil, err
	}
	keys := make([]objKey, len(refs))
	for i, r := range refs {
		keys[i] = objKey{Group: r.Group, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}
	}
	return keys, nil
}

// wave is a group of objects applied together. external are objects of
// other sources that the wave's objects depend on: they must be healthy
// before the wave starts.
type wave struct {
	objects  []*unstructured.Unstructured
	external []*unstructured.Unstructured
}

// planWaves orders objects: cluster definitions (CRDs, Namespaces,
// ClusterRoles) in wave 0, then every other object one wave after the last
// object it depends on.
func planWaves(objects []*unstructured.Unstructured) ([]wave, error) {
	byKey := map[objKey]*unstructured.Unstructured{}
	for _, obj := range objects {
		k := keyOf(obj)
		if _, dup := byKey[k]; dup {
			return nil, fmt.Errorf("%s: appears twice", k)
		}
		byKey[k] = obj
	}
	deps := map[objKey][]objKey{}
	for _, obj := range objects {
		v, ok := obj.GetAnnotations()[DependsOnAnnotation]
		if !ok {
			continue
		}
		keys, err := parseDependsOn(v)
		if err != nil {
			return nil, fmt.Errorf("%s: metadata.annotations[%s]: %w", keyOf(obj), DependsOnAnnotation, err)
		}
		deps[keyOf(obj)] = keys
	}
	level := map[objKey]int{}
	var visit func(k objKey, path []objKey) (int, error)
	visit = func(k objKey, path []objKey) (int, error) {
		if l, ok := level[k]; ok {
			return l, nil
		}
		for _, p := range path {
			if p == k {
				return 0, fmt.Errorf("dependency cycle: %s", cycleString(append(path, k)))
			}
		}
		l := 1
		if utils.IsClusterDefinition(byKey[k]) && len(deps[k]) == 0 {
			l = 0
		}
		for _, d := range deps[k] {
			if _, ok := byKey[d]; !ok {
				continue // external: waited for before the wave starts
			}
			dl, err := visit(d, append(path, k))
			if err != nil {
				return 0, err
			}
			if dl+1 > l {
				l = dl + 1
			}
		}
		level[k] = l
		return l, nil
	}
	last := 0
	for _, obj := range objects {
		l, err := visit(keyOf(obj), nil)
		if err != nil {
			return nil, err
		}
		if l > last {
			last = l
		}
	}
	waves := make([]wave, last+1)
	external := make([]map[objKey]bool, last+1)
	for _, obj := range objects {
		k := keyOf(obj)
		w := &waves[level[k]]
		w.objects = append(w.objects, obj)
		for _, d := range deps[k] {
			if _, ok := byKey[d]; ok || external[level[k]][d] {
				continue
			}
			if external[level[k]] == nil {
				external[level[k]] = map[objKey]bool{}
			}
			external[level[k]][d] = true
			w.external = append(w.external, stub(d))
		}
	}
	var out []wave
	for _, w := range waves {
		if len(w.objects) > 0 {
			sort.Sort(ssa.SortableUnstructureds(w.objects))
			out = append(out, w)
		}
	}
	return out, nil
}

// stub is an object with only its identity, for waiting on it.
func stub(k objKey) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	// The version is not part of the reference; the status poller maps
	// the group and kind to the served version.
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: k.Group, Kind: k.Kind})
	u.SetNamespace(k.Namespace)
	u.SetName(k.Name)
	return u
}

func cycleString(path []objKey) string {
	parts := make([]string, len(path))
	for i, k := range path {
		parts[i] = k.String()
	}
	return strings.Join(parts, " -> ")
}

package order

import (
	"fmt"
	"sort"
	"strings"

	"github.com/oamgitops/kubectl-gitops/krm/workflow"
)

// Annotation is the dependency annotation of kpt and cli-utils.
const Annotation = "config.kubernetes.io/depends-on"

// ObjectRef identifies a rendered object in a cluster.
type ObjectRef struct {
	Cluster   string
	Group     string
	Kind      string
	Namespace string
	Name      string
}

// String is the object's reference in the annotation's format:
// `<group>/namespaces/<namespace>/<kind>/<name>`, or `<group>/<kind>/<name>`
// for a cluster-scoped object; the core group is empty.
func (r ObjectRef) String() string {
	if r.Namespace == "" {
		return r.Group + "/" + r.Kind + "/" + r.Name
	}
	return r.Group + "/namespaces/" + r.Namespace + "/" + r.Kind + "/" + r.Name
}

// RefOf reads an object's reference; cluster is where it is applied.
func RefOf(cluster string, obj map[string]any) ObjectRef {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	meta, _ := obj["metadata"].(map[string]any)
	ns, _ := meta["namespace"].(string)
	name, _ := meta["name"].(string)
	group := ""
	if i := strings.LastIndex(apiVersion, "/"); i >= 0 {
		group = apiVersion[:i]
	}
	return ObjectRef{Cluster: cluster, Group: group, Kind: kind, Namespace: ns, Name: name}
}

// Format joins references into an annotation value, sorted, without repeats.
func Format(refs []ObjectRef) string {
	seen := map[string]bool{}
	var parts []string
	for _, r := range refs {
		if s := r.String(); !seen[s] {
			seen[s] = true
			parts = append(parts, s)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// Annotate adds refs to obj's depends-on annotation, keeping references
// already there.
func Annotate(obj map[string]any, refs []ObjectRef) {
	if len(refs) == 0 {
		return
	}
	meta, _ := obj["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		obj["metadata"] = meta
	}
	anns, _ := meta["annotations"].(map[string]any)
	if anns == nil {
		anns = map[string]any{}
	}
	value := Format(refs)
	if old, _ := anns[Annotation].(string); old != "" {
		parts := strings.Split(old, ",")
		for _, p := range strings.Split(value, ",") {
			if !contains(parts, p) {
				parts = append(parts, p)
			}
		}
		value = strings.Join(parts, ",")
	}
	anns[Annotation] = value
	meta["annotations"] = anns
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// graph answers dependency questions over a plan's selected units.
type graph struct {
	units   map[string]*workflow.Unit
	objects map[string][]ObjectRef
	near    map[string][]string
}

func newGraph(p *workflow.Plan, objects map[string][]ObjectRef) *graph {
	g := &graph{units: map[string]*workflow.Unit{}, objects: objects, near: map[string][]string{}}
	for i := range p.Units {
		g.units[p.Units[i].ID] = &p.Units[i]
	}
	return g
}

// after returns the nearest selected units u waits for, looking through
// units that are not selected.
func (g *graph) after(id string) []string {
	if n, ok := g.near[id]; ok {
		return n
	}
	g.near[id] = nil // a cycle through unselected units ends here
	var out []string
	u := g.units[id]
	if u == nil {
		return nil
	}
	for _, a := range u.After {
		au := g.units[a]
		if au == nil {
			continue
		}
		if au.Selected {
			out = appendNew(out, a)
		} else {
			out = appendNew(out, g.after(a)...)
		}
	}
	g.near[id] = out
	return out
}

// dependencies returns the objects in cluster that the units before id
// rendered: the nearest such units only.
func (g *graph) dependencies(id, cluster string, seen map[string]bool) []ObjectRef {
	var out []ObjectRef
	for _, a := range g.after(id) {
		if seen[a] {
			continue
		}
		seen[a] = true
		var own []ObjectRef
		for _, r := range g.objects[a] {
			if r.Cluster == cluster {
				own = append(own, r)
			}
		}
		if len(own) > 0 {
			out = append(out, own...)
			continue
		}
		out = append(out, g.dependencies(a, cluster, seen)...)
	}
	return out
}

// DependsOn returns, by unit ID, the objects that the objects of each
// selected unit must wait for. objects are the rendered objects by unit ID.
func DependsOn(p *workflow.Plan, objects map[string][]ObjectRef) map[string][]ObjectRef {
	g := newGraph(p, objects)
	out := map[string][]ObjectRef{}
	for _, u := range p.Units {
		if !u.Selected || len(objects[u.ID]) == 0 {
			continue
		}
		if deps := g.dependencies(u.ID, u.Placement.Cluster, map[string]bool{}); len(deps) > 0 {
			out[u.ID] = deps
		}
	}
	return out
}

func appendNew(list []string, more ...string) []string {
	for _, m := range more {
		if !contains(list, m) {
			list = append(list, m)
		}
	}
	return list
}

// CycleError names the units that wait for each other.
type CycleError struct{ Units []string }

func (e *CycleError) Error() string {
	return fmt.Sprintf("units wait for each other in a cycle: %s", strings.Join(e.Units, ", "))
}

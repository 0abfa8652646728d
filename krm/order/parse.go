package order

import (
	"fmt"
	"strings"
)

// ParseDependsOn reads a depends-on annotation value: references separated
// by commas, each `<group>/namespaces/<namespace>/<kind>/<name>` or
// `<group>/<kind>/<name>` for a cluster-scoped object; the core group is
// empty. Blank entries are ignored. The references have no Cluster: the
// annotation only links objects of one cluster. ParseDependsOn(Format(refs))
// gives refs back, sorted and without repeats, Cluster cleared.
func ParseDependsOn(value string) ([]ObjectRef, error) {
	var refs []ObjectRef
	for _, ref := range strings.Split(value, ",") {
		ref = strings.TrimSpace(ref)
		if ref == "" {
			continue
		}
		parts := strings.Split(ref, "/")
		var r ObjectRef
		switch {
		case len(parts) == 3:
			r = ObjectRef{Group: parts[0], Kind: parts[1], Name: parts[2]}
		case len(parts) == 5 && parts[1] == "namespaces":
			r = ObjectRef{Group: parts[0], Namespace: parts[2], Kind: parts[3], Name: parts[4]}
		default:
			return nil, fmt.Errorf("%q: want <group>/namespaces/<namespace>/<kind>/<name> or <group>/<kind>/<name>", ref)
		}
		if r.Kind == "" || r.Name == "" || (len(parts) == 5 && r.Namespace == "") {
			return nil, fmt.Errorf("%q: kind, name and namespace must not be empty", ref)
		}
		refs = append(refs, r)
	}
	return refs, nil
}

package render

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
)

// owners remembers which input (an Application, or a plain object) put
// each object into the output, so that two of them rendering one object
// is an error: applying both would leave whichever went last, and
// kustomize and kpt refuse the duplicate anyway. (Within one component
// the later copy wins with a warning, see dedupe.)
type owners map[string]*yaml.RNode

// claim records that from puts obj into the output; it returns an error
// result when another input already did.
func (o owners) claim(obj, from *yaml.RNode) *framework.Result {
	group, _, _ := splitAPIVersion(obj.GetApiVersion())
	key := group + "/" + obj.GetKind() + "/" + obj.GetNamespace() + "/" + obj.GetName()
	prev, seen := o[key]
	if !seen {
		o[key] = from
		return nil
	}
	if prev == from {
		return nil
	}
	var msg string
	switch {
	case !oam.IsApplication(from):
		msg = fmt.Sprintf("%s renders it too", describeInput(prev))
	case !oam.IsApplication(prev):
		msg = fmt.Sprintf("renders %s, which %s holds too", refOf(obj), fileOrName(prev))
	default:
		msg = fmt.Sprintf("renders %s, which %s renders too", refOf(obj), describeInput(prev))
	}
	err := &oam.FieldError{Source: oam.SourceOf(from), Object: refOf(from),
		Err: fmt.Errorf("%s: applying both would leave only one; render it in one place", msg)}
	return itemResult(from, err)
}

func refOf(n *yaml.RNode) oam.ObjectRef {
	return oam.ObjectRef{APIVersion: n.GetApiVersion(), Kind: n.GetKind(), Namespace: n.GetNamespace(), Name: n.GetName()}
}

// fileOrName is the file a plain object was read from, else its name.
func fileOrName(n *yaml.RNode) string {
	if f := oam.SourceOf(n).File; f != "" {
		return f
	}
	return refOf(n).String()
}

// describeInput names an input: "Application default/one (one.yaml)".
func describeInput(n *yaml.RNode) string {
	s := refOf(n).String()
	if f := oam.SourceOf(n).File; f != "" {
		s += " (" + f + ")"
	}
	return s
}

// splitAPIVersion is apiVersion's group and version ("" group for core).
func splitAPIVersion(av string) (group, version string, ok bool) {
	for i := len(av) - 1; i >= 0; i-- {
		if av[i] == '/' {
			return av[:i], av[i+1:], true
		}
	}
	return "", av, false
}

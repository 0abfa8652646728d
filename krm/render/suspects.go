package render

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
	"github.com/oamgitops/kubectl-gitops/krm/oam"
)

// oamKinds are the kinds of core.oam.dev objects that pass through a
// render: the definitions (read, not rendered) and KubeVela's own records.
var oamKinds = map[string]bool{
	"Application": true, "ComponentDefinition": true, "TraitDefinition": true, "PolicyDefinition": true,
	"WorkflowStepDefinition": true, "WorkloadDefinition": true, "ScopeDefinition": true, "ApplicationRevision": true,
	"DefinitionRevision": true, "ResourceTracker": true, "Policy": true, "Workflow": true,
}

// suspect says what is wrong with an item that is meant as an Application
// but would not render as one, passing through as it is: another version
// of core.oam.dev's Application, or a kind of core.oam.dev spelt nearly
// as Application. nil for every other item.
func suspect(it *yaml.RNode) error {
	group, version, _ := splitAPIVersion(it.GetApiVersion())
	if group != "core.oam.dev" {
		return nil
	}
	kind := it.GetKind()
	ref := refOf(it)
	switch {
	case kind == oam.KindApp && it.GetApiVersion() != oam.APIVersion:
		return &oam.FieldError{Source: oam.SourceOf(it), Object: ref, Field: "apiVersion", Err: fmt.Errorf(
			"%s is not rendered: only %s Applications are (KubeVela's since v1.0); it would pass through as it is", it.GetApiVersion(), oam.APIVersion)}
	case !oamKinds[kind] && nearly(kind, oam.KindApp):
		return &oam.FieldError{Source: oam.SourceOf(it), Object: ref, Field: "kind", Err: fmt.Errorf(
			"%q is no kind of %s/%s; did you mean %s?", kind, group, version, oam.KindApp)}
	}
	return nil
}

// nearly says whether kind is a likely typo of want ("Aplication",
// "application"), by the definitions' "did you mean" rule.
func nearly(kind, want string) bool { return definition.Nearest(kind, []string{want}) == want }

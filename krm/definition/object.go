package definition

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// objectKinds maps the YAML definition kinds to what they define.
var objectKinds = map[string]Kind{
	"ComponentDefinition":    Component,
	"TraitDefinition":        Trait,
	"PolicyDefinition":       Policy,
	"WorkflowStepDefinition": WorkflowStep,
}

// DescriptionAnnotation carries a definition's description in its YAML form.
const DescriptionAnnotation = "definition.oam.dev/description"

// IsObject reports whether an item is a definition in YAML form.
func IsObject(n *yaml.RNode) bool {
	_, ok := objectKinds[n.GetKind()]
	return ok && n.GetApiVersion() == "core.oam.dev/v1beta1"
}

// FromObject reads a definition in YAML form (as `vela def` writes it).
// origin names the file in messages.
func FromObject(origin string, n *yaml.RNode) (*Definition, error) {
	kind, ok := objectKinds[n.GetKind()]
	if !ok {
		return nil, fmt.Errorf("%s: %s is not a definition kind", origin, n.GetKind())
	}
	d := &Definition{Name: n.GetName(), Kind: kind, Origin: origin}
	where := fmt.Sprintf("%s: %s %s", origin, n.GetKind(), d.Name)
	if d.Name == "" {
		return nil, fmt.Errorf("%s: %s: metadata.name is required", origin, n.GetKind())
	}
	d.Annotations = n.GetAnnotations()
	d.Labels = n.GetLabels()
	d.Description = d.Annotations[DescriptionAnnotation]
	str := func(path ...string) string {
		f, err := n.Pipe(yaml.Lookup(path...))
		if err != nil || f == nil {
			return ""
		}
		return yaml.GetValue(f)
	}
	list := func(path ...string) []string {
		f, err := n.Pipe(yaml.Lookup(path...))
		if err != nil || f == nil {
			return nil
		}
		var out []string
		for _, e := range f.Content() {
			out = append(out, e.Value)
		}
		return out
	}
	d.Workload = Workload{
		APIVersion: str("spec", "workload", "definition", "apiVersion"),
		Kind:       str("spec", "workload", "definition", "kind"),
		Type:       str("spec", "workload", "type"),
	}
	d.AppliesTo = list("spec", "appliesToWorkloads")
	d.ConflictsWith = list("spec", "conflictsWith")
	d.PodDisruptive = str("spec", "podDisruptive") == "true"
	d.Stage = str("spec", "stage")
	d.HealthPolicy = str("spec", "status", "healthPolicy")
	d.CustomStatus = str("spec", "status", "customStatus")
	text := str("spec", "schematic", "cue", "template")
	if text == "" {
		return nil, fmt.Errorf("%s: spec.schematic.cue.template is required (only CUE definitions are supported)", where)
	}
	tmpl, strategy, use, err := ParseTemplate(origin, text)
	if err != nil {
		return nil, fmt.Errorf("%s: spec.schematic.cue.template: %w", where, err)
	}
	d.Template, d.PatchStrategy, d.Context = tmpl, strategy, use
	return d, nil
}

package render

import (
	"fmt"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/krm/override"
)

// knownPolicies are KubeVela policy types that steer delivery rather than
// rendering; they are accepted and left to the plugin.
var knownPolicies = map[string]bool{
	"topology": true, "override": true, "garbage-collect": true, "apply-once": true,
	"shared-resource": true, "take-over": true, "read-only": true, "replication": true,
	"resource-update": true, "health": true,
}

// placement returns the components to render: the Application's, with
// every override policy applied in order (the default workflow's single
// deploy step when there is no topology).
func (r *Renderer) placement(app *oam.Application) ([]oam.Component, []Warning, error) {
	comps := app.Components
	var warns []Warning
	for _, p := range app.Policies {
		field := fmt.Sprintf("spec.policies[%d]", p.Index)
		if _, defined := r.reg.Get(definition.Policy, p.Type); !defined && !knownPolicies[p.Type] {
			if _, err := r.lookup(app, definition.Policy, p.Type, field+".type"); err != nil {
				return nil, nil, err
			}
		}
		if p.Type != override.Type {
			continue
		}
		pol, err := override.Parse(p.Name, p.Properties, field)
		if err != nil {
			return nil, nil, &oam.FieldError{Source: app.Source, Object: app.Ref(), Err: err}
		}
		var ws []override.Warning
		comps, ws = pol.Apply(comps)
		for _, w := range ws {
			warns = append(warns, Warning{App: app, Field: w.Field, Message: w.Message})
		}
	}
	return comps, warns, nil
}

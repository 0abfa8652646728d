// Package definition reads KubeVela definitions — component, trait, policy
// and workflow-step types written in CUE — in both of the forms users keep
// them in: the CUE file form (`name: {type: "component", attributes: …}`
// beside `template: {…}`) and the YAML objects `vela def` writes
// (ComponentDefinition, TraitDefinition, … with spec.schematic.cue.template).
//
// A Registry holds the definitions a render may use. It is a value built by
// the caller (the built-in catalog plus user definitions), never global.
package definition

package oam

import "strconv"

// APIVersion and Kind of the objects this package models.
const (
	APIVersion = "core.oam.dev/v1beta1"
	KindApp    = "Application"
)

// Application is an OAM Application.
type Application struct {
	Name        string
	Namespace   string // "default" when the object has none
	Labels      map[string]string
	Annotations map[string]string
	Components  []Component
	Policies    []Policy
	Workflow    *Workflow
	Source      Source
}

// Ref names the Application in messages.
func (a *Application) Ref() ObjectRef {
	return ObjectRef{APIVersion: APIVersion, Kind: KindApp, Namespace: a.Namespace, Name: a.Name}
}

// Component is one entry of spec.components.
type Component struct {
	Name             string
	Type             string
	Properties       map[string]any
	Traits           []Trait
	DependsOn        []string
	Inputs           []any
	Outputs          []any
	ExternalRevision string
	// Index is the position in spec.components, for field paths.
	Index int
}

// Field is the path of the component in its Application.
// Components added by an override policy have no index and are named.
func (c *Component) Field() string {
	if c.Index < 0 {
		return "spec.components[name=" + c.Name + "]"
	}
	return "spec.components[" + strconv.Itoa(c.Index) + "]"
}

// Trait is one entry of a component's traits.
type Trait struct {
	Type       string
	Properties map[string]any
	Index      int
}

// Policy is one entry of spec.policies.
type Policy struct {
	Name       string
	Type       string
	Properties map[string]any
	Index      int
}

// Workflow is spec.workflow.
type Workflow struct {
	Ref   string
	Steps []WorkflowStep
	Mode  WorkflowMode
}

// WorkflowMode is spec.workflow.mode.
type WorkflowMode struct {
	Steps    string
	SubSteps string
}

// WorkflowStep is one step (or sub-step) of a workflow.
type WorkflowStep struct {
	Name       string
	Type       string
	Properties map[string]any
	DependsOn  []string
	If         string
	Timeout    string
	Inputs     []any
	Outputs    []any
	SubSteps   []WorkflowStep
	Mode       string
}

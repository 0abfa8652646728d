package oam

import (
	"fmt"
	"strconv"

	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// IsApplication reports whether the object is an OAM Application.
func IsApplication(n *yaml.RNode) bool {
	return n.GetKind() == KindApp && n.GetApiVersion() == APIVersion
}

// SourceOf reads the file annotations kustomize and kpt put on items.
// kustomize sets no path annotation on what it passes to functions; with
// `buildMetadata: [originAnnotations]` it sets config.kubernetes.io/origin,
// whose path is used then.
func SourceOf(n *yaml.RNode) Source {
	if n.YNode().Kind != yaml.MappingNode {
		return Source{}
	}
	path, index, _ := kioutil.GetFileAnnotations(n)
	i, _ := strconv.Atoi(index)
	if text := n.GetAnnotations()[originAnnotation]; path == "" && text != "" {
		if origin, err := yaml.Parse(text); err == nil {
			if f := origin.Field("path"); f != nil {
				path = yaml.GetValue(f.Value)
			}
		}
	}
	return Source{File: path, Index: i}
}

const originAnnotation = "config.kubernetes.io/origin"

// Parse reads an Application object. Mistakes are *FieldError values naming
// the field path.
func Parse(n *yaml.RNode) (*Application, error) {
	if n.YNode().Kind != yaml.MappingNode {
		return nil, &FieldError{Object: ObjectRef{Kind: KindApp}, Err: fmt.Errorf("%w: not a YAML mapping", ErrInvalid)}
	}
	raw, err := FromNode(n.YNode())
	if err != nil {
		return nil, &FieldError{Source: SourceOf(n), Object: ObjectRef{Kind: KindApp, Name: n.GetName()}, Err: err}
	}
	obj, _ := raw.(map[string]any)
	app := &Application{Source: SourceOf(n)}
	p := parser{app: app}
	meta := p.object(obj, "metadata")
	app.Name = p.str(meta, "metadata", "name")
	app.Namespace = p.str(meta, "metadata", "namespace")
	if app.Namespace == "" {
		app.Namespace = "default"
	}
	app.Labels = p.stringMap(meta, "metadata", "labels")
	app.Annotations = p.stringMap(meta, "metadata", "annotations")
	if p.err != nil {
		return nil, p.err
	}
	if app.Name == "" {
		return nil, app.fieldErrorf("metadata.name", "is required")
	}
	spec := p.object(obj, "spec")
	if p.err == nil && spec == nil {
		return nil, app.fieldErrorf("spec", "is required: an Application lists its components under spec.components")
	}
	if _, ok := spec["components"]; p.err == nil && !ok {
		return nil, app.fieldErrorf("spec.components", "is required: an Application has at least one component")
	}
	for i, c := range p.list(spec, "spec", "components") {
		app.Components = append(app.Components, p.component(c, i))
	}
	for i, c := range p.list(spec, "spec", "policies") {
		app.Policies = append(app.Policies, p.policy(c, i))
	}
	if wf := p.object(spec, "workflow"); wf != nil {
		app.Workflow = p.workflow(wf)
	}
	if p.err != nil {
		return nil, p.err
	}
	seen := map[string]int{}
	for i, c := range app.Components {
		if j, dup := seen[c.Name]; dup {
			return nil, app.fieldErrorf(fmt.Sprintf("spec.components[%d].name", i),
				"component %q is declared twice (also spec.components[%d])", c.Name, j)
		}
		seen[c.Name] = i
	}
	return app, nil
}

// parser keeps the first error and the Application it describes.
type parser struct {
	app *Application
	err error
}

func (p *parser) fail(field, format string, args ...any) {
	if p.err == nil {
		p.err = p.app.fieldErrorf(field, format, args...)
	}
}

// TypeName names the JSON type of plain data, for messages.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "list"
	case string:
		return "string"
	case bool:
		return "bool"
	case int64, int:
		return "int"
	case float64:
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (p *parser) object(m map[string]any, key string) map[string]any {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	o, ok := v.(map[string]any)
	if !ok {
		p.fail(key, "expected object, got %s", TypeName(v))
	}
	return o
}

func (p *parser) str(m map[string]any, path, key string) string {
	v, ok := m[key]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		p.fail(join(path, key), "expected string, got %s", TypeName(v))
	}
	return s
}

func (p *parser) strings(m map[string]any, path, key string) []string {
	var out []string
	for i, v := range p.list(m, path, key) {
		s, ok := v.(string)
		if !ok {
			p.fail(fmt.Sprintf("%s[%d]", join(path, key), i), "expected string, got %s", TypeName(v))
			continue
		}
		out = append(out, s)
	}
	return out
}

func (p *parser) list(m map[string]any, path, key string) []any {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		p.fail(join(path, key), "expected list, got %s", TypeName(v))
	}
	return l
}

func (p *parser) props(m map[string]any, path, key string) map[string]any {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	o, ok := v.(map[string]any)
	if !ok {
		p.fail(join(path, key), "expected object, got %s", TypeName(v))
	}
	return o
}

func (p *parser) stringMap(m map[string]any, path, key string) map[string]string {
	o := p.props(m, path, key)
	if o == nil {
		return nil
	}
	out := make(map[string]string, len(o))
	for k, v := range o {
		s, ok := v.(string)
		if !ok {
			p.fail(join(path, key)+"."+k, "expected string, got %s", TypeName(v))
			continue
		}
		out[k] = s
	}
	return out
}

func (p *parser) entry(v any, path string) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		p.fail(path, "expected object, got %s", TypeName(v))
	}
	return m
}

func (p *parser) component(v any, i int) Component {
	path := fmt.Sprintf("spec.components[%d]", i)
	m := p.entry(v, path)
	c := Component{Index: i}
	c.Name = p.str(m, path, "name")
	c.Type = p.str(m, path, "type")
	if c.Name == "" {
		p.fail(path+".name", "is required")
	}
	if c.Type == "" {
		p.fail(path+".type", "is required")
	}
	c.Properties = p.props(m, path, "properties")
	c.DependsOn = p.strings(m, path, "dependsOn")
	c.Inputs = p.list(m, path, "inputs")
	c.Outputs = p.list(m, path, "outputs")
	c.ExternalRevision = p.str(m, path, "externalRevision")
	for j, t := range p.list(m, path, "traits") {
		tpath := fmt.Sprintf("%s.traits[%d]", path, j)
		tm := p.entry(t, tpath)
		tr := Trait{Index: j, Type: p.str(tm, tpath, "type"), Properties: p.props(tm, tpath, "properties")}
		if tr.Type == "" {
			p.fail(tpath+".type", "is required")
		}
		c.Traits = append(c.Traits, tr)
	}
	return c
}

func (p *parser) policy(v any, i int) Policy {
	path := fmt.Sprintf("spec.policies[%d]", i)
	m := p.entry(v, path)
	pol := Policy{Index: i, Name: p.str(m, path, "name"), Type: p.str(m, path, "type"), Properties: p.props(m, path, "properties")}
	if pol.Type == "" {
		p.fail(path+".type", "is required")
	}
	if pol.Name == "" {
		pol.Name = fmt.Sprintf("%s-auto-gen-%d", pol.Type, i)
	}
	return pol
}

func (p *parser) workflow(m map[string]any) *Workflow {
	wf := &Workflow{Ref: p.str(m, "spec.workflow", "ref")}
	if mode := p.object(m, "mode"); mode != nil {
		wf.Mode = WorkflowMode{Steps: p.str(mode, "spec.workflow.mode", "steps"), SubSteps: p.str(mode, "spec.workflow.mode", "subSteps")}
	}
	wf.Steps = p.steps(m, "spec.workflow", "steps")
	return wf
}

func (p *parser) steps(m map[string]any, path, key string) []WorkflowStep {
	var out []WorkflowStep
	for i, v := range p.list(m, path, key) {
		spath := fmt.Sprintf("%s.%s[%d]", path, key, i)
		sm := p.entry(v, spath)
		s := WorkflowStep{
			Name:       p.str(sm, spath, "name"),
			Type:       p.str(sm, spath, "type"),
			Properties: p.props(sm, spath, "properties"),
			DependsOn:  p.strings(sm, spath, "dependsOn"),
			If:         p.str(sm, spath, "if"),
			Timeout:    p.str(sm, spath, "timeout"),
			Inputs:     p.list(sm, spath, "inputs"),
			Outputs:    p.list(sm, spath, "outputs"),
			Mode:       p.str(sm, spath, "mode"),
		}
		if s.Type == "" {
			p.fail(spath+".type", "is required")
		}
		s.SubSteps = p.steps(sm, spath, "subSteps")
		out = append(out, s)
	}
	return out
}

package apppatch

import (
	"fmt"
	"reflect"
	"sort"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/fnconfig"
	"github.com/oamgitops/kubectl-gitops/krm/oam"
)

// Function is the patch-application KRM function.
type Function struct{}

var _ framework.ResourceListProcessor = Function{}

// Process implements framework.ResourceListProcessor.
func (Function) Process(rl *framework.ResourceList) error {
	cfg := &Config{}
	given, err := fnconfig.Load(rl.FunctionConfig, cfg, ConfigIdentity)
	if !given {
		err = fmt.Errorf("a config of kind %s is required", ConfigIdentity)
	}
	if err != nil {
		rl.Results = append(rl.Results, fnconfig.Result(rl.FunctionConfig, err))
		return rl.Results
	}
	// Numbers keep their YAML type (the framework decodes through JSON).
	if comps, err := rl.FunctionConfig.Pipe(yaml.Lookup("spec", "components")); err == nil && comps != nil {
		if v, err := oam.FromNode(comps.YNode()); err == nil {
			cfg.Spec.Components, _ = v.([]any)
		}
	}
	f := &Filter{Config: cfg}
	items, err := f.Filter(rl.Items)
	rl.Results = append(rl.Results, f.Results...)
	if err != nil {
		rl.Results = append(rl.Results, &framework.Result{Severity: framework.Error, Message: err.Error()})
	}
	if rl.Results.ExitCode() != 0 {
		return rl.Results
	}
	rl.Items = items
	return nil
}

// Filter patches the selected Applications among the items.
type Filter struct {
	Config *Config
	// Results collects warnings (unanchored names) and errors per item.
	Results framework.Results
}

var _ kio.Filter = &Filter{}

// Filter implements kio.Filter. Items are changed in place.
func (f *Filter) Filter(items []*yaml.RNode) ([]*yaml.RNode, error) {
	pol, err := f.Config.policy()
	if err != nil {
		return nil, fmt.Errorf("function config: %w", err)
	}
	for _, it := range items {
		if !oam.IsApplication(it) || !f.Config.Spec.Selector.matches(it.GetName(), it.GetLabels()) {
			continue
		}
		app, err := oam.Parse(it)
		if err != nil {
			f.Results = append(f.Results, result(it, framework.Error, err.Error()))
			continue
		}
		comps, warns, err := pol.Apply(app.Components)
		for _, w := range warns {
			f.Results = append(f.Results, result(it, framework.Warning, fmt.Sprintf("%s: %s", w.Field, w.Message)))
		}
		if err != nil {
			f.Results = append(f.Results, result(it, framework.Error, fmt.Sprintf("ApplicationPatch %s: %v", f.Config.Metadata.Name, trimProps(err.Error()))))
			continue
		}
		if err := write(it, comps); err != nil {
			f.Results = append(f.Results, result(it, framework.Error, err.Error()))
		}
	}
	return items, nil
}

func result(it *yaml.RNode, sev framework.Severity, msg string) *framework.Result {
	src := oam.SourceOf(it)
	r := &framework.Result{Message: msg, Severity: sev, ResourceRef: &yaml.ResourceIdentifier{
		TypeMeta: yaml.TypeMeta{APIVersion: it.GetApiVersion(), Kind: it.GetKind()},
		NameMeta: yaml.NameMeta{Name: it.GetName(), Namespace: it.GetNamespace()}}}
	if src.File != "" {
		r.File = &framework.File{Path: src.File, Index: src.Index}
	}
	return r
}

// write sets spec.components to comps, keeping the YAML (and its comments)
// of every value that did not change.
func write(app *yaml.RNode, comps []oam.Component) error {
	list, err := app.Pipe(yaml.Lookup("spec", "components"))
	if err != nil {
		return err
	}
	var old []*yaml.RNode
	if list != nil {
		old, _ = list.Elements()
	}
	byName := map[string]*yaml.RNode{}
	for _, n := range old {
		byName[yaml.GetValue(n.Field("name").Value)] = n
	}
	seq := yaml.NewListRNode()
	for _, c := range comps {
		want := componentValue(c)
		n := byName[c.Name]
		if n == nil || yaml.GetValue(n.Field("type").Value) != c.Type {
			seq.YNode().Content = append(seq.YNode().Content, ordered(want, "name", "type"))
			continue
		}
		if err := syncComponent(n, want); err != nil {
			return err
		}
		seq.YNode().Content = append(seq.YNode().Content, n.YNode())
	}
	return app.PipeE(yaml.LookupCreate(yaml.MappingNode, "spec"), yaml.SetField("components", seq))
}

func componentValue(c oam.Component) map[string]any {
	m := map[string]any{"name": c.Name, "type": c.Type}
	if len(c.Properties) > 0 {
		m["properties"] = c.Properties
	}
	if len(c.Traits) > 0 {
		traits := make([]any, len(c.Traits))
		for i, t := range c.Traits {
			tm := map[string]any{"type": t.Type}
			if t.Properties != nil {
				tm["properties"] = t.Properties
			}
			traits[i] = tm
		}
		m["traits"] = traits
	}
	if c.ExternalRevision != "" {
		m["externalRevision"] = c.ExternalRevision
	}
	return m
}

// syncComponent makes an existing component node hold want's properties
// and traits; other fields (dependsOn, inputs, …) are left as they are.
func syncComponent(n *yaml.RNode, want map[string]any) error {
	for _, key := range []string{"properties", "externalRevision"} {
		if err := syncField(n, key, want[key]); err != nil {
			return err
		}
	}
	traits, _ := want["traits"].([]any)
	old := n.Field("traits")
	if len(traits) == 0 {
		if old != nil {
			_, err := n.Pipe(yaml.Clear("traits"))
			return err
		}
		return nil
	}
	var oldTraits []*yaml.RNode
	if old != nil {
		oldTraits, _ = old.Value.Elements()
	}
	used := map[int]bool{}
	seq := yaml.NewListRNode()
	for _, t := range traits {
		tm := t.(map[string]any)
		var node *yaml.RNode
		for i, o := range oldTraits {
			if !used[i] && yaml.GetValue(o.Field("type").Value) == tm["type"] {
				used[i], node = true, o
				break
			}
		}
		if node == nil {
			seq.YNode().Content = append(seq.YNode().Content, ordered(tm, "type"))
			continue
		}
		if err := syncField(node, "properties", tm["properties"]); err != nil {
			return err
		}
		seq.YNode().Content = append(seq.YNode().Content, node.YNode())
	}
	return n.PipeE(yaml.SetField("traits", seq))
}

// syncField makes n[key] hold want (nil removes it), keeping nodes whose
// value is already right.
func syncField(n *yaml.RNode, key string, want any) error {
	f := n.Field(key)
	if want == nil {
		if f != nil {
			_, err := n.Pipe(yaml.Clear(key))
			return err
		}
		return nil
	}
	if f == nil {
		return n.PipeE(yaml.SetField(key, yaml.NewRNode(oam.ToNode(want))))
	}
	cur, err := oam.FromNode(f.Value.YNode())
	if err != nil {
		return err
	}
	if reflect.DeepEqual(cur, want) {
		return nil
	}
	wm, wantMap := want.(map[string]any)
	if wantMap && f.Value.YNode().Kind == yaml.MappingNode {
		fields, err := f.Value.Fields()
		if err != nil {
			return err
		}
		for _, k := range fields {
			if _, keep := wm[k]; !keep {
				if _, err := f.Value.Pipe(yaml.Clear(k)); err != nil {
					return err
				}
			}
		}
		keys := make([]string, 0, len(wm))
		for k := range wm {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := syncField(f.Value, k, wm[k]); err != nil {
				return err
			}
		}
		return nil
	}
	return n.PipeE(yaml.SetField(key, yaml.NewRNode(oam.ToNode(want))))
}

// ordered encodes m with the first keys first, the rest sorted.
func ordered(m map[string]any, first ...string) *yaml.Node {
	n := oam.ToNode(m)
	var head, tail []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		pair := n.Content[i : i+2]
		isFirst := false
		for _, f := range first {
			isFirst = isFirst || pair[0].Value == f
		}
		if isFirst {
			head = append(head, pair...)
		} else {
			tail = append(tail, pair...)
		}
	}
	// head is in sorted order; put it in the order of first.
	var sorted []*yaml.Node
	for _, f := range first {
		for i := 0; i+1 < len(head); i += 2 {
			if head[i].Value == f {
				sorted = append(sorted, head[i:i+2]...)
			}
		}
	}
	n.Content = append(sorted, tail...)
	return n
}

package override

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
)

// Type is the policy type this package implements.
const Type = "override"

// Patch is one entry of an override policy's components.
type Patch struct {
	Name             string
	Type             string
	Properties       map[string]any
	Traits           []TraitPatch
	ExternalRevision string
	// Field is the patch's path in the Application, for messages.
	Field string
}

// TraitPatch patches, adds or disables one trait.
type TraitPatch struct {
	Type       string
	Properties map[string]any
	Disable    bool
}

// Policy is a parsed override policy.
type Policy struct {
	Name     string
	Patches  []Patch
	Selector []string
	// HasSelector distinguishes an empty selector (keep nothing) from none.
	HasSelector bool
}

// Warning is something worth telling the user that does not stop rendering.
type Warning struct {
	Field   string
	Message string
}

// Parse reads an override policy's properties. field is the policy's path
// (spec.policies[i]).
func Parse(name string, props map[string]any, field string) (*Policy, error) {
	p := &Policy{Name: name}
	comps, ok := props["components"]
	if ok && comps != nil {
		list, isList := comps.([]any)
		if !isList {
			return nil, fmt.Errorf("%s.properties.components: expected list", field)
		}
		for i, raw := range list {
			at := fmt.Sprintf("%s.properties.components[%d]", field, i)
			m, isMap := raw.(map[string]any)
			if !isMap {
				return nil, fmt.Errorf("%s: expected object", at)
			}
			patch, err := parsePatch(m, at)
			if err != nil {
				return nil, err
			}
			p.Patches = append(p.Patches, patch)
		}
	}
	if sel, ok := props["selector"]; ok && sel != nil {
		list, isList := sel.([]any)
		if !isList {
			return nil, fmt.Errorf("%s.properties.selector: expected list of component names", field)
		}
		p.HasSelector = true
		for i, s := range list {
			str, isStr := s.(string)
			if !isStr {
				return nil, fmt.Errorf("%s.properties.selector[%d]: expected string", field, i)
			}
			p.Selector = append(p.Selector, str)
		}
	}
	return p, nil
}

func parsePatch(m map[string]any, at string) (Patch, error) {
	p := Patch{Field: at}
	var err error
	if p.Name, err = str(m, "name", at); err != nil {
		return p, err
	}
	if p.Type, err = str(m, "type", at); err != nil {
		return p, err
	}
	if p.ExternalRevision, err = str(m, "externalRevision", at); err != nil {
		return p, err
	}
	if props, ok := m["properties"]; ok && props != nil {
		if p.Properties, ok = props.(map[string]any); !ok {
			return p, fmt.Errorf("%s.properties: expected object", at)
		}
	}
	if p.Name != "" {
		if _, err := regexp.Compile(nameRegexp(p.Name)); err != nil {
			return p, fmt.Errorf("%s.name: %q is not a valid regular expression: %v", at, p.Name, err)
		}
	}
	traits, _ := m["traits"].([]any)
	for i, raw := range traits {
		tat := fmt.Sprintf("%s.traits[%d]", at, i)
		tm, ok := raw.(map[string]any)
		if !ok {
			return p, fmt.Errorf("%s: expected object", tat)
		}
		t := TraitPatch{}
		if t.Type, err = str(tm, "type", tat); err != nil {
			return p, err
		}
		if t.Type == "" {
			return p, fmt.Errorf("%s.type: is required", tat)
		}
		if props, ok := tm["properties"]; ok && props != nil {
			if t.Properties, ok = props.(map[string]any); !ok {
				return p, fmt.Errorf("%s.properties: expected object", tat)
			}
		}
		if d, ok := tm["disable"]; ok && d != nil {
			if t.Disable, ok = d.(bool); !ok {
				return p, fmt.Errorf("%s.disable: expected bool", tat)
			}
		}
		p.Traits = append(p.Traits, t)
	}
	return p, nil
}

func str(m map[string]any, key, at string) (string, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s.%s: expected string", at, key)
	}
	return s, nil
}

func nameRegexp(name string) string { return strings.ReplaceAll(name, "*", ".*") }

// addable is KubeVela's test for "a patch name that may add a component".
var addable = regexp.MustCompile("[a-z]([a-z-]{0,61}[a-z])?")

// ErrNoComponent means a named patch matches no component and gives no
// type, so the component it would add could not render.
var ErrNoComponent = errors.New("matches no component")

// Apply patches the components; it returns new components (the input is not
// changed) and warnings about unanchored name matches. A named patch that
// matches nothing adds a component (as KubeVela does) when it gives a
// type; without one it fails with ErrNoComponent naming the patch.
func (p *Policy) Apply(comps []oam.Component) ([]oam.Component, []Warning, error) {
	out := make([]oam.Component, len(comps))
	for i := range comps {
		out[i] = copyComponent(comps[i])
	}
	var warns []Warning
	for _, patch := range p.Patches {
		if patch.Name == "" {
			for i := range out {
				if patch.Type == "" || patch.Type == out[i].Type {
					out[i] = merge(out[i], patch)
				}
			}
			continue
		}
		re := regexp.MustCompile(nameRegexp(patch.Name))
		matched := false
		for i := range out {
			if !re.MatchString(out[i].Name) {
				continue
			}
			matched = true
			if out[i].Name != patch.Name && regexp.QuoteMeta(patch.Name) == patch.Name {
				warns = append(warns, Warning{Field: patch.Field + ".name", Message: fmt.Sprintf(
					"override policy %q: name %q also matches component %q (names are unanchored regular expressions, as in KubeVela); use \"^%s$\" to match one component only",
					p.Name, patch.Name, out[i].Name, patch.Name)})
			}
			if patch.Type != "" && patch.Type != out[i].Type {
				out[i] = fromPatch(out[i].Name, out[i].Index, patch)
				continue
			}
			out[i] = merge(out[i], patch)
		}
		if !matched && addable.MatchString(patch.Name) {
			if patch.Type == "" {
				names := make([]string, len(out))
				for i, c := range out {
					names[i] = c.Name
				}
				return nil, warns, fmt.Errorf("%s.name: override policy %q: %q %w (components: %s); give a type to add one",
					patch.Field, p.Name, patch.Name, ErrNoComponent, strings.Join(names, ", "))
			}
			out = append(out, fromPatch(patch.Name, -1, patch))
		}
	}
	if p.HasSelector {
		keep := map[string]bool{}
		for _, s := range p.Selector {
			keep[s] = true
		}
		kept := out[:0]
		for _, c := range out {
			if keep[c.Name] {
				kept = append(kept, c)
			}
		}
		out = kept
	}
	return out, warns, nil
}

func fromPatch(name string, index int, patch Patch) oam.Component {
	c := oam.Component{Name: name, Type: patch.Type, Properties: copyMap(patch.Properties), ExternalRevision: patch.ExternalRevision, Index: index}
	for i, t := range patch.Traits {
		if !t.Disable {
			c.Traits = append(c.Traits, oam.Trait{Type: t.Type, Properties: copyMap(t.Properties), Index: i})
		}
	}
	return c
}

func merge(c oam.Component, patch Patch) oam.Component {
	c.Properties = MergeProperties(c.Properties, patch.Properties)
	if patch.ExternalRevision != "" {
		c.ExternalRevision = patch.ExternalRevision
	}
	for _, tp := range patch.Traits {
		found := -1
		for i, t := range c.Traits {
			if t.Type == tp.Type {
				found = i
				break
			}
		}
		switch {
		case found >= 0 && tp.Disable:
			c.Traits = append(c.Traits[:found:found], c.Traits[found+1:]...)
		case found >= 0:
			c.Traits[found].Properties = MergeProperties(c.Traits[found].Properties, tp.Properties)
		case !tp.Disable:
			c.Traits = append(c.Traits, oam.Trait{Type: tp.Type, Properties: copyMap(tp.Properties), Index: len(c.Traits)})
		}
	}
	return c
}

// MergeProperties merges patch into a copy of base the way KubeVela does:
// objects merge key by key, lists and scalars in the patch replace the
// base's (an empty patch list keeps a non-empty base list).
func MergeProperties(base, patch map[string]any) map[string]any {
	out := copyMap(base)
	if out == nil {
		out = map[string]any{}
	}
	for k, pv := range patch {
		bv, exists := out[k]
		pm, pIsMap := pv.(map[string]any)
		bm, bIsMap := bv.(map[string]any)
		switch {
		case pIsMap && bIsMap:
			out[k] = MergeProperties(bm, pm)
		case exists && isEmptyList(pv) && !isEmptyList(bv) && bv != nil:
		default:
			out[k] = oam.DeepCopy(pv)
		}
	}
	return out
}

func isEmptyList(v any) bool {
	l, ok := v.([]any)
	return ok && len(l) == 0
}

func copyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return oam.DeepCopy(m).(map[string]any)
}

func copyComponent(c oam.Component) oam.Component {
	c.Properties = copyMap(c.Properties)
	traits := make([]oam.Trait, len(c.Traits))
	for i, t := range c.Traits {
		t.Properties = copyMap(t.Properties)
		traits[i] = t
	}
	c.Traits = traits
	return c
}

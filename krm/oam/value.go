package oam

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// FromNode converts a YAML node into plain Go data: map[string]any, []any,
// string, int64, float64, bool or nil. Integers stay integers and floats stay
// floats, which matters to CUE (int and float do not unify). Aliases are
// expanded; a recursive alias, or an expansion past a million nodes (an
// alias bomb), is an error.
func FromNode(n *yaml.Node) (any, error) {
	c := &converter{expanding: map[*yaml.Node]bool{}}
	return c.convert(n)
}

// maxNodes bounds alias expansion.
const maxNodes = 1_000_000

type converter struct {
	expanding map[*yaml.Node]bool
	nodes     int
}

func (c *converter) convert(n *yaml.Node) (any, error) {
	if c.nodes++; c.nodes > maxNodes {
		return nil, fmt.Errorf("document expands to more than %d values (alias bomb?)", maxNodes)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.convert(n.Content[0])
	case yaml.AliasNode:
		if n.Alias == nil || c.expanding[n.Alias] {
			return nil, fmt.Errorf("recursive YAML alias *%s", n.Value)
		}
		c.expanding[n.Alias] = true
		defer delete(c.expanding, n.Alias)
		return c.convert(n.Alias)
	case yaml.MappingNode:
		c.expanding[n] = true
		defer delete(c.expanding, n)
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" || (k.Value == "<<" && k.Tag != "!!str") {
				if err := c.mergeInto(m, v); err != nil {
					return nil, err
				}
				continue
			}
			val, err := c.convert(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k.Value, err)
			}
			m[k.Value] = val
		}
		return m, nil
	case yaml.SequenceNode:
		c.expanding[n] = true
		defer delete(c.expanding, n)
		l := make([]any, 0, len(n.Content))
		for i, e := range n.Content {
			val, err := c.convert(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			l = append(l, val)
		}
		return l, nil
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil, fmt.Errorf("unsupported YAML node kind %v", n.Kind)
}

func (c *converter) mergeInto(m map[string]any, v *yaml.Node) error {
	src, err := c.convert(v)
	if err != nil {
		return err
	}
	add := func(x any) {
		if mm, ok := x.(map[string]any); ok {
			for k, val := range mm {
				if _, exists := m[k]; !exists {
					m[k] = val
				}
			}
		}
	}
	if l, ok := src.([]any); ok {
		for _, x := range l {
			add(x)
		}
		return nil
	}
	add(src)
	return nil
}

func scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		switch strings.ToLower(n.Value) {
		case "true", "yes", "on", "y":
			return true, nil
		}
		return false, nil
	case "!!int":
		v := strings.ReplaceAll(n.Value, "_", "")
		i, err := strconv.ParseInt(v, 0, 64)
		if err != nil {
			if strings.HasPrefix(v, "0o") {
				i, err = strconv.ParseInt(v[2:], 8, 64)
			}
			if err != nil {
				return nil, fmt.Errorf("%q is not a valid integer", n.Value)
			}
		}
		return i, nil
	case "!!float":
		v := strings.ToLower(n.Value)
		switch v {
		case ".inf", "+.inf":
			return math.Inf(1), nil
		case "-.inf":
			return math.Inf(-1), nil
		case ".nan":
			return math.NaN(), nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a valid number", n.Value)
		}
		return f, nil
	}
	return n.Value, nil
}

// ToNode converts plain Go data into a YAML node. Map keys are sorted so the
// output is deterministic.
func ToNode(v any) *yaml.Node {
	switch x := v.(type) {
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: make([]*yaml.Node, 0, 2*len(keys))}
		for _, k := range keys {
			n.Content = append(n.Content, stringNode(k), ToNode(x[k]))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: make([]*yaml.Node, 0, len(x))}
		for _, e := range x {
			n.Content = append(n.Content, ToNode(e))
		}
		return n
	case string:
		return stringNode(x)
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(x)}
	case int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(x)}
	case int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(x, 10)}
	case float64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: FormatFloat(x)}
	}
	return stringNode(fmt.Sprint(v))
}

// FormatFloat writes a float as YAML and CUE read it back as the same
// float: the shortest decimal, always with a fraction or an exponent (1.0,
// 2.5e+20), and YAML's .inf, -.inf and .nan. Every float this repository
// prints goes through it.
func FormatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	case math.IsNaN(f):
		return ".nan"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}

// stringNode returns a string scalar. The encoder quotes what YAML 1.2
// would read as another type; we also quote what YAML 1.1 readers (kubectl,
// go-yaml v2) would: yes/no/on/off/y/n and base-60 numbers like 12:30.
func stringNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	switch {
	case strings.Contains(s, "\n"):
		n.Style = yaml.LiteralStyle
	case yaml11Special(s):
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

func yaml11Special(s string) bool {
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~":
		return true
	}
	if len(s) > 2 && strings.Contains(s, ":") && strings.Trim(s, "0123456789:._+-") == "" && s[0] != ':' {
		return true
	}
	return false
}

// DeepCopy copies plain Go data as produced by FromNode.
func DeepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = DeepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = DeepCopy(e)
		}
		return l
	}
	return v
}

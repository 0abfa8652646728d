package patch

import (
	"fmt"
	"strconv"
	"strings"
)

// ConflictError reports two values that do not unify.
type ConflictError struct {
	Path        string
	Base, Patch any
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s: conflicting values %s (current) and %s (patch)", e.Path, show(e.Base), show(e.Patch))
}

func show(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case map[string]any:
		return "{...}"
	case []any:
		return fmt.Sprintf("[...%d items]", len(x))
	case nil:
		return "null"
	}
	return fmt.Sprint(v)
}

// Apply merges p into base (plain Go data, changed in place where it is a
// map or list) and returns the result.
func Apply(base any, p *Node) (any, error) {
	return apply(base, p, "", "")
}

func apply(base any, p *Node, key, path string) (any, error) {
	switch p.Kind {
	case Struct:
		if base == nil {
			return p.Plain(), nil
		}
		m, ok := base.(map[string]any)
		if !ok {
			return nil, &ConflictError{Path: pathOr(path), Base: base, Patch: p.Plain()}
		}
		for _, f := range p.Fields {
			if err := applyField(m, f, key, join(path, f.Name)); err != nil {
				return nil, err
			}
		}
		return m, nil
	case List:
		if base == nil {
			return p.Plain(), nil
		}
		l, ok := base.([]any)
		if !ok {
			return nil, &ConflictError{Path: pathOr(path), Base: base, Patch: p.Plain()}
		}
		return mergeList(l, p, key, false, path)
	}
	if base != nil && !sameScalar(base, p.Value) {
		return nil, &ConflictError{Path: pathOr(path), Base: base, Patch: p.Value}
	}
	return p.Value, nil
}

func applyField(m map[string]any, f Field, key, path string) error {
	if f.PatchKey != "" {
		key = f.PatchKey
	}
	cur, exists := m[f.Name]
	switch {
	case !exists:
		m[f.Name] = f.Value.Plain()
		return nil
	case f.Value.Kind == List:
		l, isList := cur.([]any)
		if !isList {
			if cur == nil {
				m[f.Name] = f.Value.Plain()
				return nil
			}
			return &ConflictError{Path: path, Base: cur, Patch: f.Value.Plain()}
		}
		if f.Strategy == Replace {
			m[f.Name] = f.Value.Plain()
			return nil
		}
		merged, err := mergeList(l, f.Value, key, f.Strategy == RetainKeys, path)
		if err != nil {
			return err
		}
		m[f.Name] = merged
		return nil
	case f.Strategy == RetainKeys:
		m[f.Name] = f.Value.Plain()
		return nil
	}
	v, err := apply(cur, f.Value, key, path)
	if err != nil {
		return err
	}
	m[f.Name] = v
	return nil
}

// mergeList merges by patchKey when every element on both sides carries
// the key, else by index.
func mergeList(base []any, p *Node, key string, retain bool, path string) (any, error) {
	if key != "" {
		if out, ok, err := mergeByKey(base, p, key, retain, path); ok || err != nil {
			return out, err
		}
	}
	if len(p.Items) < len(base) {
		return nil, fmt.Errorf("%s: the patch has %d list items where there are %d; give the list a +patchKey or +patchStrategy=replace",
			pathOr(path), len(p.Items), len(base))
	}
	out := make([]any, 0, len(p.Items))
	for i, item := range p.Items {
		if i < len(base) {
			v, err := apply(base[i], item, key, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			continue
		}
		out = append(out, item.Plain())
	}
	return out, nil
}

func mergeByKey(base []any, p *Node, key string, retain bool, path string) ([]any, bool, error) {
	keyPath := strings.Split(key, ".")
	byKey := map[string]int{}
	for i, item := range p.Items {
		k, ok := item.lookup(keyPath)
		if !ok {
			return nil, false, nil
		}
		byKey[keyString(k.Value)] = i
	}
	baseKeys := make([]string, len(base))
	for i, b := range base {
		k, ok := lookupPlain(b, keyPath)
		if !ok {
			return nil, false, nil
		}
		baseKeys[i] = keyString(k)
	}
	out := make([]any, 0, len(base)+len(p.Items))
	used := map[int]bool{}
	for i, b := range base {
		j, matched := byKey[baseKeys[i]]
		if !matched || used[j] {
			out = append(out, b)
			continue
		}
		used[j] = true
		if retain {
			out = append(out, p.Items[j].Plain())
			continue
		}
		v, err := apply(b, p.Items[j], key, fmt.Sprintf("%s[%s=%s]", path, key, baseKeys[i]))
		if err != nil {
			return nil, true, err
		}
		out = append(out, v)
	}
	for j, item := range p.Items {
		k, _ := item.lookup(keyPath)
		if !used[j] && byKey[keyString(k.Value)] == j {
			out = append(out, item.Plain())
		}
	}
	return out, true, nil
}

func lookupPlain(v any, path []string) (any, bool) {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[p]; !ok {
			return nil, false
		}
	}
	switch v.(type) {
	case map[string]any, []any:
		return nil, false
	}
	return v, true
}

func keyString(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case int:
		return strconv.Itoa(x)
	}
	return fmt.Sprint(v)
}

func sameScalar(a, b any) bool {
	switch x := a.(type) {
	case int:
		return b == any(int64(x))
	case int64:
		if y, ok := b.(int); ok {
			return x == int64(y)
		}
	}
	return a == b
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func pathOr(path string) string {
	if path == "" {
		return "<root>"
	}
	return path
}

package patch

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MergePatch applies an RFC 7396 JSON merge patch: objects merge key by key,
// null deletes, anything else replaces.
func MergePatch(base, p any) any {
	pm, ok := p.(map[string]any)
	if !ok {
		return p
	}
	bm, ok := base.(map[string]any)
	if !ok {
		bm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(bm, k)
			continue
		}
		bm[k] = MergePatch(bm[k], v)
	}
	return bm
}

// ErrJSONPatch marks an RFC 6902 operation that cannot be applied.
var ErrJSONPatch = errors.New("json patch")

// JSONPatch applies RFC 6902 operations ({op, path, value, from}) in order.
func JSONPatch(doc any, ops []any) (any, error) {
	for i, raw := range ops {
		op, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: operations[%d]: expected an object", ErrJSONPatch, i)
		}
		name, _ := op["op"].(string)
		path, _ := op["path"].(string)
		var err error
		switch name {
		case "add":
			doc, err = add(doc, path, op["value"])
		case "remove":
			doc, _, err = remove(doc, path)
		case "replace":
			if _, err = get(doc, path); err == nil {
				if doc, _, err = remove(doc, path); err == nil {
					doc, err = add(doc, path, op["value"])
				}
			}
		case "move", "copy":
			from, _ := op["from"].(string)
			var v any
			if name == "move" {
				doc, v, err = remove(doc, from)
			} else {
				v, err = get(doc, from)
				v = deepCopy(v)
			}
			if err == nil {
				doc, err = add(doc, path, v)
			}
		case "test":
			var v any
			if v, err = get(doc, path); err == nil && fmt.Sprint(v) != fmt.Sprint(op["value"]) {
				err = fmt.Errorf("test failed: %s is %v, not %v", path, v, op["value"])
			}
		default:
			err = fmt.Errorf("unknown op %q", name)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: operations[%d] (%s %s): %v", ErrJSONPatch, i, name, path, err)
		}
	}
	return doc, nil
}

func pointer(path string) ([]string, error) {
	if path == "" {
		return nil, nil
	}
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("path %q must start with /", path)
	}
	parts := strings.Split(path[1:], "/")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
	}
	return parts, nil
}

func get(doc any, path string) (any, error) {
	parts, err := pointer(path)
	if err != nil {
		return nil, err
	}
	cur := doc
	for _, p := range parts {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[p]
			if !ok {
				return nil, fmt.Errorf("%s not found", path)
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(c) {
				return nil, fmt.Errorf("%s: index %s out of range", path, p)
			}
			cur = c[i]
		default:
			return nil, fmt.Errorf("%s not found", path)
		}
	}
	return cur, nil
}

// edit walks to the parent of path and lets fn change the container that
// holds the last segment; it returns the new document.
func edit(doc any, parts []string, fn func(parent any, last string) (any, error)) (any, error) {
	if len(parts) == 1 {
		return fn(doc, parts[0])
	}
	switch c := doc.(type) {
	case map[string]any:
		child, ok := c[parts[0]]
		if !ok {
			return nil, fmt.Errorf("%s not found", parts[0])
		}
		v, err := edit(child, parts[1:], fn)
		if err != nil {
			return nil, err
		}
		c[parts[0]] = v
		return c, nil
	case []any:
		i, err := strconv.Atoi(parts[0])
		if err != nil || i < 0 || i >= len(c) {
			return nil, fmt.Errorf("index %s out of range", parts[0])
		}
		v, err := edit(c[i], parts[1:], fn)
		if err != nil {
			return nil, err
		}
		c[i] = v
		return c, nil
	}
	return nil, fmt.Errorf("%s not found", parts[0])
}

func add(doc any, path string, value any) (any, error) {
	parts, err := pointer(path)
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 {
		return value, nil
	}
	return edit(doc, parts, func(parent any, last string) (any, error) {
		switch c := parent.(type) {
		case map[string]any:
			c[last] = value
			return c, nil
		case []any:
			if last == "-" {
				return append(c, value), nil
			}
			i, err := strconv.Atoi(last)
			if err != nil || i < 0 || i > len(c) {
				return nil, fmt.Errorf("index %s out of range", last)
			}
			c = append(c, nil)
			copy(c[i+1:], c[i:])
			c[i] = value
			return c, nil
		}
		return nil, fmt.Errorf("cannot add to a %T", parent)
	})
}

func remove(doc any, path string) (any, any, error) {
	parts, err := pointer(path)
	if err != nil {
		return nil, nil, err
	}
	if len(parts) == 0 {
		return nil, doc, nil
	}
	var removed any
	out, err := edit(doc, parts, func(parent any, last string) (any, error) {
		switch c := parent.(type) {
		case map[string]any:
			v, ok := c[last]
			if !ok {
				return nil, fmt.Errorf("%s not found", last)
			}
			removed = v
			delete(c, last)
			return c, nil
		case []any:
			i, err := strconv.Atoi(last)
			if err != nil || i < 0 || i >= len(c) {
				return nil, fmt.Errorf("index %s out of range", last)
			}
			removed = c[i]
			return append(c[:i:i], c[i+1:]...), nil
		}
		return nil, fmt.Errorf("cannot remove from a %T", parent)
	})
	return out, removed, err
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

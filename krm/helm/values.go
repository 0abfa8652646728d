package helm

import (
	"errors"
	"fmt"
	"maps"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/strvals"
	"sigs.k8s.io/yaml"
)

// userValues merges a request's valuesFrom, in order, then its values, as
// a Flux HelmRelease does. Objects are looked up in the request's
// Application namespace (Chart.Namespace).
func userValues(req Request, src Source) (map[string]any, error) {
	out := map[string]any{}
	for i, vf := range req.ValuesFrom {
		ref := ValuesRef{Kind: vf.Kind, Namespace: req.Chart.Namespace, Name: vf.Name}
		data, err := src.Values(ref)
		switch {
		case errors.Is(err, ErrNotFound) && vf.Optional:
			continue
		case errors.Is(err, ErrNotAvailable):
			return nil, &MissingError{Values: &ref, Err: err}
		case err != nil:
			return nil, fmt.Errorf("valuesFrom %s: %w", ref, err)
		}
		key := vf.ValuesKey
		if key == "" {
			key = DefaultValuesKey
		}
		text, ok := data[key]
		if !ok {
			return nil, fmt.Errorf("valuesFrom[%d]: %s has no key %q", i, ref, key)
		}
		if vf.TargetPath != "" {
			if err := strvals.ParseInto(vf.TargetPath+"="+text, out); err != nil {
				// The value may be a secret: name the path, not the value.
				return nil, fmt.Errorf("valuesFrom[%d]: %s key %q: targetPath %q: cannot set the value there", i, ref, key, vf.TargetPath)
			}
			continue
		}
		vals := map[string]any{}
		if err := yaml.Unmarshal([]byte(text), &vals); err != nil {
			return nil, fmt.Errorf("valuesFrom[%d]: %s key %q: not a YAML map of values", i, ref, key)
		}
		out = mergeValues(out, vals)
	}
	return mergeValues(out, req.Values), nil
}

// mergeValues merges over into base: maps merge key by key, anything else
// in over replaces what base has. base is changed and returned.
func mergeValues(base, over map[string]any) map[string]any {
	if base == nil {
		base = map[string]any{}
	}
	for k, v := range over {
		if vm, ok := v.(map[string]any); ok {
			if bm, ok := base[k].(map[string]any); ok {
				base[k] = mergeValues(maps.Clone(bm), vm)
				continue
			}
		}
		base[k] = v
	}
	return base
}

// useValuesFiles makes files of the chart its default values, merged in
// order; values.yaml counts only when listed.
func useValuesFiles(ch *chart.Chart, files []string) error {
	if len(files) == 0 {
		return nil
	}
	byName := map[string][]byte{}
	for _, f := range ch.Raw {
		byName[f.Name] = f.Data
	}
	for _, f := range ch.Files {
		byName[f.Name] = f.Data
	}
	vals := map[string]any{}
	for i, name := range files {
		data, ok := byName[name]
		if !ok {
			return fmt.Errorf("valuesFiles[%d]: the chart has no file %q", i, name)
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("valuesFiles[%d]: %s: %w", i, name, err)
		}
		vals = mergeValues(vals, m)
	}
	ch.Values = vals
	return nil
}

package helm

import (
	"errors"
	"fmt"
)

// Result is a rendered chart.
type Result struct {
	// Chart and Version are the rendered chart's name and version (the
	// version a constraint resolved to).
	Chart, Version string
	// Objects are the chart's objects in `helm template --include-crds`
	// order; objects the templates leave without a namespace have none.
	Objects []map[string]any
}

// Render fetches req's chart and values from src and renders the chart.
// A chart or values object src does not hold is a *MissingError; a chart
// that does not render is a *TemplateError; each names the chart and its
// version.
func Render(req Request, src Source, kubeVersion string) (*Result, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	archive, err := src.Chart(req.Chart)
	if errors.Is(err, ErrNotAvailable) {
		ref := req.Chart
		return nil, &MissingError{Chart: &ref, Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", req.Chart, err)
	}
	ch, err := Load(archive)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", req.Chart, err)
	}
	res := &Result{Chart: ch.Name(), Version: ch.Metadata.Version}
	at := fmt.Sprintf("chart %s version %s", res.Chart, res.Version)
	if err := useValuesFiles(ch, req.ValuesFiles); err != nil {
		return nil, fmt.Errorf("%s: %w", at, err)
	}
	values, err := userValues(req, src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", at, err)
	}
	res.Objects, err = Template(ch, TemplateOptions{ReleaseName: req.ReleaseName, Namespace: req.Namespace,
		Values: values, KubeVersion: kubeVersion})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", at, err)
	}
	return res, nil
}

// ClusterScopedKinds lists the kinds that CustomResourceDefinitions among
// objs declare with scope Cluster, by "group/kind".
func ClusterScopedKinds(objs []map[string]any) map[string]bool {
	out := map[string]bool{}
	for _, o := range objs {
		if o["kind"] != "CustomResourceDefinition" {
			continue
		}
		spec, _ := o["spec"].(map[string]any)
		names, _ := spec["names"].(map[string]any)
		group, _ := spec["group"].(string)
		kind, _ := names["kind"].(string)
		if scope, _ := spec["scope"].(string); scope == "Cluster" && kind != "" {
			out[group+"/"+kind] = true
		}
	}
	return out
}

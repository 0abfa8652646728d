package render

import (
	"encoding/base64"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/helm"
)

// itemValues answers valuesFrom lookups from the ConfigMaps and Secrets
// among the items rendered with the Applications (they are applied with
// them, so they are what the cluster will hold), and everything else from
// the next source.
type itemValues struct {
	next helm.Source
	data map[helm.ValuesRef]map[string]string
}

// withItemValues wraps src with the ConfigMaps and Secrets among items;
// src itself when there are none.
func withItemValues(src helm.Source, items []*yaml.RNode) helm.Source {
	data := map[helm.ValuesRef]map[string]string{}
	for _, it := range items {
		kind := it.GetKind()
		if it.GetApiVersion() != "v1" || (kind != "ConfigMap" && kind != "Secret") {
			continue
		}
		ns := it.GetNamespace()
		if ns == "" {
			ns = "default"
		}
		data[helm.ValuesRef{Kind: kind, Namespace: ns, Name: it.GetName()}] = objectData(it)
	}
	if len(data) == 0 {
		return src
	}
	if src == nil {
		src = noCharts{}
	}
	return itemValues{next: src, data: data}
}

// objectData is a ConfigMap's data and binaryData, or a Secret's
// stringData and decoded data, by key.
func objectData(it *yaml.RNode) map[string]string {
	out := map[string]string{}
	fields := []string{"data", "binaryData"}
	if it.GetKind() == "Secret" {
		fields = []string{"data", "stringData"}
	}
	for _, field := range fields {
		m := it.Field(field)
		if m == nil || m.Value == nil {
			continue
		}
		_ = m.Value.VisitFields(func(f *yaml.MapNode) error {
			v := f.Value.YNode().Value
			if field == "binaryData" || (field == "data" && it.GetKind() == "Secret") {
				if b, err := base64.StdEncoding.DecodeString(v); err == nil {
					v = string(b)
				}
			}
			out[f.Key.YNode().Value] = v
			return nil
		})
	}
	return out
}

func (s itemValues) Chart(ref helm.ChartRef) ([]byte, error) { return s.next.Chart(ref) }

func (s itemValues) Values(ref helm.ValuesRef) (map[string]string, error) {
	if d, ok := s.data[ref]; ok {
		return d, nil
	}
	return s.next.Values(ref)
}

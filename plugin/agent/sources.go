package agent

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/plugin/imageauto"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

// declared is what one Application declares: its kustomize sources and
// the same sources with their imageRepository blocks, or why it does not
// parse.
type declared struct {
	roots  []source.Declaration
	images []imageauto.Source
	err    error
}

// declaredBy reads the sources of app, in component order.
func declaredBy(app *unstructured.Unstructured) declared {
	m := map[string]any{"apiVersion": app.GetAPIVersion(), "kind": app.GetKind(),
		"metadata": map[string]any{"name": app.GetName(), "namespace": app.GetNamespace()}, "spec": app.Object["spec"]}
	node, err := yaml.FromMap(m)
	if err != nil {
		return declared{err: err}
	}
	roots, err := source.FromApplications([]*yaml.RNode{node}, app.GetNamespace(), "")
	if err != nil {
		return declared{err: err}
	}
	images, err := imageauto.FromApplications([]*yaml.RNode{node}, app.GetNamespace(), "")
	if err != nil {
		return declared{err: err}
	}
	return declared{roots: roots, images: images}
}

// KeyOf is an Application's key: namespace/name.
func KeyOf(app *unstructured.Unstructured) string { return app.GetNamespace() + "/" + app.GetName() }

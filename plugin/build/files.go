package build

import (
	"path"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Files maps rendered objects to the repository files they came from, so
// an error about an object can name its file.
type Files map[string]string

func fileKey(group, kind, namespace, name string) string {
	return group + "/" + kind + "/" + namespace + "/" + name
}

// FilesOf reads the file of each node from the build's path annotation;
// dir is the built directory, relative to the repository root.
func FilesOf(nodes []*yaml.RNode, dir string) Files {
	files := Files{}
	for _, n := range nodes {
		p, _, err := kioutil.GetFileAnnotations(n)
		if err != nil || p == "" {
			continue
		}
		gv, err := schema.ParseGroupVersion(n.GetApiVersion())
		if err != nil {
			continue
		}
		files[fileKey(gv.Group, n.GetKind(), n.GetNamespace(), n.GetName())] = path.Join(dir, p)
	}
	return files
}

// Of is the file of obj, or "".
func (f Files) Of(obj *unstructured.Unstructured) string {
	gk := obj.GroupVersionKind().GroupKind()
	return f[fileKey(gk.Group, gk.Kind, obj.GetNamespace(), obj.GetName())]
}

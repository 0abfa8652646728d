package build

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestFilesOf(t *testing.T) {
	nodes := []*yaml.RNode{
		yaml.MustParse("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop, annotations: {config.kubernetes.io/path: app.yaml}}\n"),
		yaml.MustParse("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop, annotations: {internal.config.kubernetes.io/path: svc/web.yaml}}\n"),
		yaml.MustParse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nowhere}\n"),
	}
	files := FilesOf(nodes, "apps")
	obj := func(apiVersion, kind, ns, name string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion(apiVersion)
		u.SetKind(kind)
		u.SetNamespace(ns)
		u.SetName(name)
		return u
	}
	tests := map[string]struct {
		obj  *unstructured.Unstructured
		want string
	}{
		"deployment":                {obj("apps/v1", "Deployment", "shop", "web"), "apps/app.yaml"},
		"service, internal path":    {obj("v1", "Service", "shop", "web"), "apps/svc/web.yaml"},
		"other version, same group": {obj("apps/v1beta2", "Deployment", "shop", "web"), "apps/app.yaml"},
		"no path":                   {obj("v1", "ConfigMap", "", "nowhere"), ""},
		"unknown":                   {obj("v1", "Secret", "shop", "web"), ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := files.Of(tc.obj); got != tc.want {
				t.Errorf("Of = %q, want %q", got, tc.want)
			}
		})
	}
}

package helm_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"sigs.k8s.io/yaml"

	"github.com/oamgitops/kubectl-gitops/internal/testbin"
	"github.com/oamgitops/kubectl-gitops/krm/helm"
)

// helmBinary is the helm CLI the project pins (v3.21.4, the SDK version):
// $HELM, as `make test` passes it, else helm on PATH.
func helmBinary(t *testing.T) string {
	t.Helper()
	if h := os.Getenv("HELM"); h != "" {
		return h
	}
	return testbin.Tool(t, "helm", "run `make tools` (it builds helm v3.21.4 from the Go module proxy into the user cache dir; "+
		"`make test` passes it as $HELM), or put helm v3.21.4 on PATH")
}

// Template renders what `helm template --include-crds` renders, object for
// object and in the same order, hooks and the test hook included.
func TestTemplateMatchesHelmTemplate(t *testing.T) {
	helmBin := helmBinary(t)
	cases := map[string]struct {
		chart, release, namespace, kube string
		values                          map[string]any
	}{
		"mysql-operator with CRDs": {chart: "mysql-operator", release: "mysql-controller", namespace: "default", kube: "v1.34.2",
			values: map[string]any{"replicas": int64(2), "image": map[string]any{"tag": "0.4.0-debug"}}},
		"greeter with hooks": {chart: "greeter", release: "hello", namespace: "shop", kube: "v1.30.1",
			values: map[string]any{"greeting": "hi", "port": int64(9000)}},
		"chart defaults": {chart: "mysql-operator", release: "mysql-operator", namespace: "db", kube: "v1.34.0"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("..", "..", "testdata", "charts", tc.chart)
			valuesFile := filepath.Join(t.TempDir(), "values.yaml")
			data, err := yaml.Marshal(tc.values)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(valuesFile, data, 0o644); err != nil {
				t.Fatal(err)
			}
			res := testbin.Succeed(t, testbin.Options{}, helmBin, "template", tc.release, dir, "--include-crds",
				"--namespace", tc.namespace, "--kube-version", tc.kube, "--values", valuesFile)
			want := decodeStream(t, res.Stdout)

			ch, err := loader.LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			got, err := helm.Template(ch, helm.TemplateOptions{ReleaseName: tc.release, Namespace: tc.namespace,
				KubeVersion: tc.kube, Values: tc.values})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, roundTrip(t, got)); diff != "" {
				t.Errorf("Template differs from helm template (-want +got):\n%s", diff)
			}
		})
	}
}

// decodeStream reads helm's output as plain objects.
func decodeStream(t *testing.T, stream string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, doc := range strings.Split(stream, "\n---") {
		obj := map[string]any{}
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatalf("%v:\n%s", err, doc)
		}
		if len(obj) > 0 {
			out = append(out, obj)
		}
	}
	return out
}

// roundTrip gives objects the number types decodeStream gives.
func roundTrip(t *testing.T, objs []map[string]any) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, o := range objs {
		data, err := yaml.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestTemplateErrors(t *testing.T) {
	cases := map[string]struct {
		opts       helm.TemplateOptions
		dependency string
		want       string
	}{
		"dependency not vendored": {opts: helm.TemplateOptions{ReleaseName: "g", Namespace: "d", KubeVersion: "v1.34.0", Values: map[string]any{"greeting": "x"}},
			dependency: "redis", want: "found in Chart.yaml, but missing in charts/ directory: redis; vendor them with `helm dependency build`"},
		"required value": {opts: helm.TemplateOptions{ReleaseName: "g", Namespace: "d", KubeVersion: "v1.34.0"},
			want: "execution error at (greeter/templates/deployment.yaml:13:28): values.greeting is required"},
		"schema": {opts: helm.TemplateOptions{ReleaseName: "g", Namespace: "d", KubeVersion: "v1.34.0", Values: map[string]any{"greeting": "x", "port": "http"}},
			want: "values don't meet the specifications of the schema(s) in the following chart(s): greeter: - at '/port': got string, want integer"},
		"kube version": {opts: helm.TemplateOptions{ReleaseName: "g", Namespace: "d", KubeVersion: "v1.20.0", Values: map[string]any{"greeting": "x"}},
			want: "chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.20.0"},
		"release name": {opts: helm.TemplateOptions{ReleaseName: "Not_A_Name", Namespace: "d", KubeVersion: "v1.34.0", Values: map[string]any{"greeting": "x"}},
			want: `release name "Not_A_Name": invalid release name`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ch, err := loader.LoadDir(filepath.Join("..", "..", "testdata", "charts", "greeter"))
			if err != nil {
				t.Fatal(err)
			}
			if tc.dependency != "" {
				ch.Metadata.Dependencies = []*chart.Dependency{{Name: tc.dependency, Version: "1.x", Repository: "https://charts.example"}}
			}
			_, err = helm.Template(ch, tc.opts)
			var te *helm.TemplateError
			if !errors.As(err, &te) {
				t.Fatalf("error %v is not a *TemplateError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

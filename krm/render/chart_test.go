package render_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
	"github.com/oamgitops/kubectl-gitops/krm/helm"
	"github.com/oamgitops/kubectl-gitops/krm/render"
	"github.com/oamgitops/kubectl-gitops/test/helmrepo"
)

// A user definition may render a chart too: its template's own output
// stays the workload, the chart's objects follow as auxiliaries.
const operatorDef = `
"mysql-operator": {type: "component"}
template: {
	output: {apiVersion: "v1", kind: "ConfigMap", data: note: "the operator of \(context.name)"}
	helmChart: {
		repoType: "helm", url: "https://charts.example/presslabs", chart: "mysql-operator", version: parameter.version
		releaseName: context.name, namespace: context.namespace
		values: replicas: parameter.replicas
		valuesFrom: [{kind: "Secret", name: "operator-image", valuesKey: "tag", targetPath: "image.tag"}]
	}
	parameter: {version: *"0.4.x" | string, replicas: *1 | int}
}
`

func chartRender(t *testing.T, charts helm.Source, items string) ([]*yaml.RNode, framework.Results) {
	t.Helper()
	d, err := definition.LoadCUE("operator.cue", []byte(operatorDef))
	if err != nil {
		t.Fatal(err)
	}
	reg := definition.NewRegistry()
	reg.Add(d)
	var nodes []*yaml.RNode
	for _, doc := range strings.Split(items, "---\n") {
		n, err := yaml.Parse(doc)
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, n)
	}
	cfg := &render.Config{APIVersion: render.ConfigAPIVersion, Kind: render.ConfigKind}
	if err := cfg.Default(); err != nil {
		t.Fatal(err)
	}
	return render.Function{Builtins: reg, Charts: charts}.Render(nodes, cfg)
}

const operatorApp = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: db, namespace: data}
spec:
  components:
    - {name: mysql, type: mysql-operator, properties: {replicas: 2}}
`

// The Secret's data is base64: valuesFrom reads it decoded.
const imageSecret = `apiVersion: v1
kind: Secret
metadata: {name: operator-image, namespace: data}
data: {tag: cGlubmVkLTE=}
`

func TestRenderChart(t *testing.T) {
	charts := helm.NewMemory()
	if err := charts.AddChart(helmrepo.MustPackage(t, filepath.Join("..", "..", "testdata", "charts", "mysql-operator"), "")); err != nil {
		t.Fatal(err)
	}
	out, results := chartRender(t, charts, imageSecret+"---\n"+operatorApp)
	if results.ExitCode() != 0 {
		t.Fatal(results)
	}
	var got []string
	for _, o := range out {
		l := o.GetLabels()
		got = append(got, strings.Join([]string{o.GetKind(), o.GetNamespace(), o.GetName(), l[render.LabelResourceType], l[render.LabelTraitResource]}, " "))
	}
	want := []string{
		"Secret data operator-image  ",
		"ConfigMap data mysql WORKLOAD ",
		"CustomResourceDefinition  mysqlclusters.mysql.presslabs.org TRAIT customresourcedefinition-mysqlclusters.mysql.presslabs.org",
		"Deployment data mysql-mysql-operator TRAIT deployment-mysql-mysql-operator",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	deploy := out[3]
	if image, _ := deploy.GetString("spec.template.spec.containers[0].image"); image != "registry.example/mysql-operator:pinned-1" {
		t.Errorf("image %q: the Secret's tag did not reach the chart", image)
	}
	if replicas, _ := deploy.GetFieldValue("spec.replicas"); replicas != 2 {
		t.Errorf("replicas %v, want 2 from the template's values", replicas)
	}
}

func TestRenderChartUnavailable(t *testing.T) {
	withChart := helm.NewMemory()
	if err := withChart.AddChart(helmrepo.MustPackage(t, filepath.Join("..", "..", "testdata", "charts", "mysql-operator"), "")); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		charts helm.Source
		items  string
		want   string
	}{
		"no chart source": {items: imageSecret + "---\n" + operatorApp,
			want: `Application data/db: spec.components[0]: component "mysql": chart mysql-operator version 0.4.x from https://charts.example/presslabs: no charts are available to this render`},
		"chart not held": {charts: helm.NewMemory(), items: operatorApp,
			want: `component "mysql": chart mysql-operator version 0.4.x from https://charts.example/presslabs: no chart mysql-operator: not available`},
		"values object missing": {charts: withChart, items: operatorApp,
			want: `component "mysql": chart mysql-operator version 0.4.0: valuesFrom Secret data/operator-image: not among the objects given: not found`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, results := chartRender(t, tc.charts, tc.items)
			if results.ExitCode() == 0 || len(results) != 1 || !strings.Contains(results[0].Message, tc.want) {
				t.Errorf("results %v\nwant one error containing %q", results, tc.want)
			}
		})
	}
}

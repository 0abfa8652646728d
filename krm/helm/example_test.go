package helm_test

import (
	"fmt"
	"path/filepath"

	"github.com/oamgitops/kubectl-gitops/krm/helm"
	"github.com/oamgitops/kubectl-gitops/test/helmrepo"
)

// Render a chart held in memory, as a definition's helmChart asks for it.
func ExampleRender() {
	archive, err := helmrepo.Package(filepath.Join("..", "..", "testdata", "charts", "mysql-operator"), "")
	if err != nil {
		panic(err)
	}
	charts := helm.NewMemory()
	if err := charts.AddChart(archive); err != nil {
		panic(err)
	}
	req, err := helm.ParseRequest(map[string]any{
		"repoType": "helm", "url": "https://charts.example/presslabs", "chart": "mysql-operator", "version": "0.4.x",
		"releaseName": "mysql", "namespace": "db", "values": map[string]any{"replicas": 2},
	})
	if err != nil {
		panic(err)
	}
	res, err := helm.Render(req, charts, "v1.34.0")
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Chart, res.Version)
	for _, o := range res.Objects {
		meta := o["metadata"].(map[string]any)
		fmt.Println(o["kind"], meta["name"])
	}

	_, err = helm.Render(func() helm.Request { r := req; r.Chart.Chart = "postgresql"; return r }(), charts, "v1.34.0")
	fmt.Println(err)
	// Output:
	// mysql-operator 0.4.0
	// CustomResourceDefinition mysqlclusters.mysql.presslabs.org
	// Deployment mysql-mysql-operator
	// chart postgresql version 0.4.x from https://charts.example/presslabs: no chart postgresql: not available
}

// Pick the version a constraint asks for, as a Helm repository's index
// answers it.
func ExampleResolveVersion() {
	versions := []string{"0.3.0", "0.4.0", "0.4.1", "0.5.0-rc.1"}
	for _, c := range []string{"0.4.x", "*", "~0.3", "0.4.0"} {
		v, _ := helm.ResolveVersion(c, versions)
		fmt.Println(c, "->", v)
	}
	_, err := helm.ResolveVersion(">=1.0", versions)
	fmt.Println(err)
	// Output:
	// 0.4.x -> 0.4.1
	// * -> 0.4.1
	// ~0.3 -> 0.3.0
	// 0.4.0 -> 0.4.0
	// no version matches ">=1.0" (versions: 0.3.0, 0.4.0, 0.4.1, 0.5.0-rc.1)
}

// Template renders a loaded chart as `helm template --include-crds`.
func ExampleTemplate() {
	archive, err := helmrepo.Package(filepath.Join("..", "..", "testdata", "charts", "greeter"), "")
	if err != nil {
		panic(err)
	}
	ch, err := helm.Load(archive)
	if err != nil {
		panic(err)
	}
	objs, err := helm.Template(ch, helm.TemplateOptions{ReleaseName: "hello", Namespace: "shop", KubeVersion: "v1.34.0",
		Values: map[string]any{"greeting": "hi"}})
	if err != nil {
		panic(err)
	}
	for _, o := range objs {
		meta := o["metadata"].(map[string]any)
		anns, _ := meta["annotations"].(map[string]any)
		fmt.Println(o["kind"], meta["name"], anns["helm.sh/hook"])
	}
	// Output:
	// ConfigMap hello-greeting <nil>
	// ClusterRole shop-hello-reader <nil>
	// Service hello <nil>
	// Deployment hello <nil>
	// Pod hello-test-greeting test
	// Job hello-warm-up pre-install,pre-upgrade
}

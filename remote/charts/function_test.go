package charts_test

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/catalog"
	"github.com/oamgitops/kubectl-gitops/krm/render"
	"github.com/oamgitops/kubectl-gitops/remote/charts"
	"github.com/oamgitops/kubectl-gitops/test/helmrepo"
)

const app = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: mysql, namespace: db}
spec:
  components:
    - name: operator
      type: helm
      properties: {url: URL, chart: mysql-operator, version: 0.4.x}
`

func config(cacheDir string, network bool) string {
	return "apiVersion: config.oamgitops.dev/v1alpha1\nkind: RenderApplications\nmetadata: {name: render}\nspec:\n" +
		"  charts: {cacheDir: " + cacheDir + ", allowNetwork: " + map[bool]string{true: "true", false: "false"}[network] + "}\n"
}

// render-application reads charts from the cache spec.charts names,
// fetching only when allowNetwork says so.
func TestFunction(t *testing.T) {
	srv := helmrepo.Start(t, helmrepo.Options{Charts: []string{mysqlOperator}})
	builtins, err := catalog.Registry()
	if err != nil {
		t.Fatal(err)
	}
	fn := charts.Function{Render: render.Function{Builtins: builtins}}
	cache := t.TempDir()
	run := func(cfg string) (*framework.ResourceList, error) {
		rl := &framework.ResourceList{
			Items:          []*yaml.RNode{yaml.MustParse(strings.Replace(app, "URL", srv.URL(), 1))},
			FunctionConfig: yaml.MustParse(cfg),
		}
		return rl, fn.Process(rl)
	}
	cases := []struct {
		name     string
		cfg      string
		wantErr  string
		requests bool
	}{
		{name: "offline, empty cache", cfg: config(t.TempDir(), false),
			wantErr: "component \"operator\": chart mysql-operator version 0.4.x from " + srv.URL() + ": it is not in the chart cache"},
		{name: "network", cfg: config(cache, true), requests: true},
		{name: "offline, filled cache", cfg: config(cache, false)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := srv.Requests()
			rl, err := run(tc.cfg)
			if tc.wantErr != "" {
				if err == nil || len(rl.Results) == 0 || !strings.Contains(rl.Results[0].Message, tc.wantErr) {
					t.Fatalf("error %v, results %v; want %q", err, rl.Results, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v: %v", err, rl.Results)
			}
			var kinds []string
			for _, it := range rl.Items {
				kinds = append(kinds, it.GetKind()+"/"+it.GetName())
			}
			if got, want := strings.Join(kinds, " "), "CustomResourceDefinition/mysqlclusters.mysql.presslabs.org Deployment/operator-mysql-operator"; got != want {
				t.Errorf("items %s, want %s", got, want)
			}
			if asked := srv.Requests() > before; asked != tc.requests {
				t.Errorf("asked the repository: %v, want %v", asked, tc.requests)
			}
		})
	}
}

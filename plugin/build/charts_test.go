package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"

	"github.com/oamgitops/kubectl-gitops/catalog"
	"github.com/oamgitops/kubectl-gitops/krm/render"
	"github.com/oamgitops/kubectl-gitops/remote/charts"
	"github.com/oamgitops/kubectl-gitops/test/helmrepo"
)

const chartApp = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: NAME, namespace: web}
spec:
  components:
    - name: COMPONENT
      type: helm
      properties: PROPS
`

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func app(name, component, props string) string {
	return strings.NewReplacer("NAME", name, "COMPONENT", component, "PROPS", props).Replace(chartApp)
}

// A build fetches the charts its renders miss and renders again; a second
// build reads the cache. Problems name the file, the Application, the
// component, the chart and its version, and the build yields no objects.
func TestDirCharts(t *testing.T) {
	repo := helmrepo.Start(t, helmrepo.Options{Charts: []string{"../../testdata/charts/mysql-operator", "../../testdata/charts/greeter"}})
	down := helmrepo.Start(t, helmrepo.Options{})
	downURL := down.URL()
	down.Close()
	builtins, err := catalog.Registry()
	if err != nil {
		t.Fatal(err)
	}
	p, err := charts.New(charts.Options{Dir: t.TempDir(), AllowNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Render: render.Function{Builtins: builtins}, Charts: p}
	url := repo.URL()

	t.Run("fetch, then the cache", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{
			"mysql.yaml": app("mysql", "operator", "{url: "+url+", chart: mysql-operator, version: 0.4.0}"),
			"greet.yaml": app("greet", "greeter", "{url: "+url+", chart: greeter, valuesFrom: [{kind: ConfigMap, name: greeting}]}"),
			"values.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: greeting, namespace: web}\n" +
				"data:\n  values.yaml: |\n    greeting: from the repository\n",
		})
		var kinds []string
		for round := 0; round < 2; round++ {
			before := repo.Requests()
			res, err := Dir(context.Background(), dir, opts)
			if err != nil {
				t.Fatalf("build %d: %v %v", round, err, res.Results)
			}
			if asked := repo.Requests() > before; asked != (round == 0) {
				t.Errorf("build %d asked the repository: %v", round, asked)
			}
			var got []string
			for _, o := range res.Objects {
				got = append(got, o.GetKind()+"/"+o.GetName())
				if o.GetKind() == "ConfigMap" && o.GetName() == "greeter-greeting" {
					if v, _ := o.GetString("data.greeting"); v != "from the repository" {
						t.Errorf("greeting %q: valuesFrom not applied", v)
					}
				}
			}
			if round == 1 && strings.Join(got, " ") != strings.Join(kinds, " ") {
				t.Errorf("second build: %v, first: %v", got, kinds)
			}
			kinds = got
		}
		if !strings.Contains(strings.Join(kinds, " "), "Deployment/greeter Pod/greeter-test-greeting Job/greeter-warm-up CustomResourceDefinition/mysqlclusters.mysql.presslabs.org Deployment/operator-mysql-operator") {
			t.Errorf("objects: %v", kinds)
		}
	})

	for name, tc := range map[string]struct {
		props, want string
	}{
		"missing chart": {props: "{url: " + url + ", chart: postgresql, version: 12.1.0}",
			want: `bad.yaml: Application web/bad: spec.components[0]: component "db": chart postgresql version 12.1.0 from ` + url +
				`: the repository's index has no chart "postgresql"`},
		"missing version": {props: "{url: " + url + ", chart: mysql-operator, version: 0.9.x}",
			want: `component "db": chart mysql-operator version 0.9.x from ` + url + `: no version matches "0.9.x" (versions: 0.4.0)`},
		"unreachable repository": {props: "{url: " + downURL + ", chart: mysql-operator, version: 0.4.0}",
			want: `component "db": chart mysql-operator version 0.4.0 from ` + downURL + `: repository index: the repository is unreachable`},
		"template error": {props: "{url: " + url + ", chart: greeter, version: 1.2.0}",
			want: `component "db": chart greeter version 1.2.0: execution error at (greeter/templates/deployment.yaml:13:28): values.greeting is required`},
		"values object missing": {props: "{url: " + url + ", chart: greeter, valuesFrom: [{kind: Secret, name: nope}]}",
			want: `component "db": chart greeter version 1.2.0: valuesFrom Secret web/nope: not among the rendered objects, and there is no cluster to read it from`},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{
				"good.yaml": app("good", "operator", "{url: "+url+", chart: mysql-operator}"),
				"bad.yaml":  app("bad", "db", tc.props),
			})
			res, err := Dir(context.Background(), dir, opts)
			if !errors.Is(err, ErrRender) {
				t.Fatalf("error %v, want ErrRender", err)
			}
			if len(res.Objects) != 0 {
				t.Errorf("a failed build yielded %d objects", len(res.Objects))
			}
			var msgs []string
			for _, r := range res.Results {
				if r.Severity == framework.Error {
					msgs = append(msgs, r.Message)
				}
			}
			if len(msgs) != 1 || !strings.Contains(msgs[0], tc.want) {
				t.Errorf("errors:\n  %s\nwant one containing:\n  %s", strings.Join(msgs, "\n  "), tc.want)
			}
		})
	}
}

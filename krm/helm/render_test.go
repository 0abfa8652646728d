package helm_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/krm/helm"
	"github.com/oamgitops/kubectl-gitops/test/helmrepo"
)

func chartDir(name string) string { return filepath.Join("..", "..", "testdata", "charts", name) }

// memory holds mysql-operator 0.3.0, 0.4.0 and 0.4.1 and greeter 1.2.0.
func memory(t *testing.T) *helm.Memory {
	t.Helper()
	m := helm.NewMemory()
	for _, c := range []struct{ chart, version string }{
		{"mysql-operator", "0.3.0"}, {"mysql-operator", ""}, {"mysql-operator", "0.4.1"}, {"greeter", ""},
	} {
		if err := m.AddChart(helmrepo.MustPackage(t, chartDir(c.chart), c.version)); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func request(chart, version string) helm.Request {
	return helm.Request{Chart: helm.ChartRef{RepoType: helm.RepoHelm, URL: "https://charts.example", Chart: chart, Version: version, Namespace: "web"},
		ReleaseName: "rel", Namespace: "web"}
}

func TestRenderResolvesVersions(t *testing.T) {
	m := memory(t)
	cases := map[string]string{"0.4.0": "0.4.0", "v0.4.0": "0.4.0", "0.4.x": "0.4.1", "*": "0.4.1", "~0.3": "0.3.0", "<0.4.1": "0.4.0"}
	for constraint, want := range cases {
		t.Run(constraint, func(t *testing.T) {
			res, err := helm.Render(request("mysql-operator", constraint), m, "v1.34.0")
			if err != nil {
				t.Fatal(err)
			}
			if res.Chart != "mysql-operator" || res.Version != want {
				t.Errorf("rendered %s %s, want mysql-operator %s", res.Chart, res.Version, want)
			}
		})
	}
}

func TestRenderValues(t *testing.T) {
	m := memory(t)
	m.AddValues(helm.ValuesRef{Kind: "ConfigMap", Namespace: "web", Name: "base"}, map[string]string{
		"values.yaml": "greeting: base\nreplicas: 2\nimage: registry.example/base:1\n", "port": "7000"})
	m.AddValues(helm.ValuesRef{Kind: "Secret", Namespace: "web", Name: "secret"}, map[string]string{"v": "greeting: secret\n"})
	req := request("greeter", "1.2.0")
	req.ValuesFrom = []helm.ValuesFrom{
		{Kind: "ConfigMap", Name: "base"},
		{Kind: "ConfigMap", Name: "base", ValuesKey: "port", TargetPath: "port"},
		{Kind: "Secret", Name: "secret", ValuesKey: "v"},
		{Kind: "Secret", Name: "absent", Optional: true},
	}
	req.Values = map[string]any{"replicas": int64(3)}
	res, err := helm.Render(req, m, "v1.34.0")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for _, o := range res.Objects {
		switch o["kind"] {
		case "ConfigMap":
			got["greeting"] = o["data"].(map[string]any)["greeting"]
		case "Deployment":
			spec := o["spec"].(map[string]any)
			got["replicas"] = spec["replicas"]
			c := spec["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
			got["image"] = c["image"]
			got["port"] = c["ports"].([]any)[0].(map[string]any)["containerPort"]
		}
	}
	want := map[string]any{"greeting": "secret", "replicas": int64(3), "image": "registry.example/base:1", "port": int64(7000)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
}

func TestRenderErrors(t *testing.T) {
	m := memory(t)
	m.AddValues(helm.ValuesRef{Kind: "ConfigMap", Namespace: "web", Name: "bad"}, map[string]string{"values.yaml": "- a list\n"})
	cases := map[string]struct {
		req         func() helm.Request
		missing     bool
		wantMessage string
	}{
		"unknown chart": {req: func() helm.Request { return request("postgresql", "12.1.0") }, missing: true,
			wantMessage: "chart postgresql version 12.1.0 from https://charts.example: no chart postgresql: not available"},
		"no matching version": {req: func() helm.Request { return request("mysql-operator", "1.x") },
			missing:     true,
			wantMessage: `chart mysql-operator version 1.x from https://charts.example: no version matches "1.x" (versions: 0.3.0, 0.4.0, 0.4.1): not available`},
		"values object missing": {req: func() helm.Request {
			r := request("greeter", "")
			r.ValuesFrom = []helm.ValuesFrom{{Kind: "Secret", Name: "creds"}}
			return r
		}, wantMessage: "chart greeter version 1.2.0: valuesFrom Secret web/creds: not among the objects given: not found"},
		"values key missing": {req: func() helm.Request {
			r := request("greeter", "")
			r.ValuesFrom = []helm.ValuesFrom{{Kind: "ConfigMap", Name: "bad", ValuesKey: "other.yaml"}}
			return r
		}, wantMessage: `chart greeter version 1.2.0: valuesFrom[0]: ConfigMap web/bad has no key "other.yaml"`},
		"values not a map": {req: func() helm.Request {
			r := request("greeter", "")
			r.ValuesFrom = []helm.ValuesFrom{{Kind: "ConfigMap", Name: "bad"}}
			return r
		}, wantMessage: `chart greeter version 1.2.0: valuesFrom[0]: ConfigMap web/bad key "values.yaml": not a YAML map of values`},
		"values file missing": {req: func() helm.Request {
			r := request("greeter", "")
			r.ValuesFiles = []string{"values-prod.yaml"}
			return r
		}, wantMessage: `chart greeter version 1.2.0: valuesFiles[0]: the chart has no file "values-prod.yaml"`},
		"template fails": {req: func() helm.Request { return request("greeter", "") },
			wantMessage: "chart greeter version 1.2.0: execution error at (greeter/templates/deployment.yaml:13:28): values.greeting is required"},
		"bad request": {req: func() helm.Request {
			r := request("", "")
			r.Chart.RepoType, r.ReleaseName = "oss", ""
			return r
		}, wantMessage: "repoType \"oss\": expected helm, oci or git\nchart: must not be empty\nreleaseName: must not be empty"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := helm.Render(tc.req(), m, "v1.34.0")
			if err == nil {
				t.Fatal("no error")
			}
			var missing *helm.MissingError
			if got := errors.As(err, &missing); got != tc.missing {
				t.Errorf("MissingError: %v, want %v (%v)", got, tc.missing, err)
			}
			if err.Error() != tc.wantMessage {
				t.Errorf("error\n got: %s\nwant: %s", err, tc.wantMessage)
			}
		})
	}
}

func TestParseRequest(t *testing.T) {
	cases := map[string]struct {
		fields  map[string]any
		want    helm.Request
		wantErr string
	}{
		"defaults": {fields: map[string]any{"repoType": "helm", "url": " https://c.example ", "chart": "app", "version": "",
			"releaseName": "app", "namespace": "web"},
			want: helm.Request{Chart: helm.ChartRef{RepoType: "helm", URL: "https://c.example", Chart: "app", Version: "*"},
				ReleaseName: "app", Namespace: "web"}},
		"git": {fields: map[string]any{"repoType": "git", "url": "https://g.example/c.git", "chart": "charts/app", "version": "1.0.0",
			"git": map[string]any{"tag": "v1"}, "secretRef": "creds", "releaseName": "app", "namespace": "web",
			"values": map[string]any{"a": int64(1)}, "valuesFrom": []any{map[string]any{"kind": "Secret", "name": "s", "optional": true}}},
			want: helm.Request{Chart: helm.ChartRef{RepoType: "git", URL: "https://g.example/c.git", Chart: "charts/app", Version: "1.0.0",
				Git: helm.GitRef{Tag: "v1"}, SecretRef: "creds"}, ReleaseName: "app", Namespace: "web",
				Values: map[string]any{"a": float64(1)}, ValuesFrom: []helm.ValuesFrom{{Kind: "Secret", Name: "s", Optional: true}}}},
		"unknown field": {fields: map[string]any{"repoType": "helm", "url": "u", "chart": "c", "releaseName": "r", "namespace": "n", "valuesFile": "x"},
			wantErr: `helmChart: json: unknown field "valuesFile"`},
		"oci url": {fields: map[string]any{"repoType": "oci", "url": "https://r.example", "chart": "c", "releaseName": "r", "namespace": "n"},
			wantErr: `url "https://r.example": an OCI repository URL starts with oci://`},
		"credentials in a helm URL": {fields: map[string]any{"repoType": "helm", "url": "https://u:pa55w0rd@c.example/charts", "chart": "c", "releaseName": "r", "namespace": "n"},
			wantErr: `url "https://c.example/charts": credentials in the URL are not used; put them in the Secret that secretRef names`},
		"credentials in an OCI URL": {fields: map[string]any{"repoType": "oci", "url": "oci://u:pa55w0rd@r.example/charts", "chart": "c", "releaseName": "r", "namespace": "n"},
			wantErr: `url "oci://r.example/charts": credentials in the URL are not used; put them in the Secret that secretRef names`},
		"git ref on a helm repo": {fields: map[string]any{"repoType": "helm", "url": "u", "chart": "c", "releaseName": "r", "namespace": "n",
			"git": map[string]any{"branch": "main", "tag": "v1"}},
			wantErr: "git: give at most one of branch, tag, commit and semver\ngit: only for repoType git, not helm"},
		"valuesFrom kind": {fields: map[string]any{"repoType": "helm", "url": "u", "chart": "c", "releaseName": "r", "namespace": "n",
			"valuesFrom": []any{map[string]any{"kind": "Pod", "name": ""}}},
			wantErr: "valuesFrom[0].kind \"Pod\": expected ConfigMap or Secret\nvaluesFrom[0].name: must not be empty"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := helm.ParseRequest(tc.fields)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestResolveVersion(t *testing.T) {
	versions := []string{"1.0.0", "1.2.0", "1.10.0", "2.0.0-rc.1", "v2.1.0", "latest"}
	cases := map[string]string{
		"*": "v2.1.0", "": "v2.1.0", "1.x": "1.10.0", "~1.2": "1.2.0", "2.1.0": "v2.1.0", ">=2.0.0-0 <2.1.0": "2.0.0-rc.1",
		"2.0.0-rc.1": "2.0.0-rc.1",
	}
	for c, want := range cases {
		t.Run(c, func(t *testing.T) {
			got, err := helm.ResolveVersion(c, versions)
			if err != nil || got != want {
				t.Errorf("ResolveVersion(%q) = %q, %v; want %q", c, got, err, want)
			}
		})
	}
	for c, wantErr := range map[string]string{
		"3.x":    `no version matches "3.x" (versions: 1.0.0, 1.2.0, 1.10.0, 2.0.0-rc.1, v2.1.0, latest)`,
		"1.1.0":  `no version matches "1.1.0" (versions: 1.0.0, 1.2.0, 1.10.0, 2.0.0-rc.1, v2.1.0, latest)`,
		"banana": `version "banana" is neither a version nor a semver constraint`,
	} {
		t.Run("error "+c, func(t *testing.T) {
			_, err := helm.ResolveVersion(c, versions)
			if err == nil || !strings.HasPrefix(err.Error(), wantErr) {
				t.Errorf("error %v, want %q", err, wantErr)
			}
		})
	}
}

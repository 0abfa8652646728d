package charts_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/oamgitops/kubectl-gitops/krm/helm"
	"github.com/oamgitops/kubectl-gitops/remote/charts"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
	"github.com/oamgitops/kubectl-gitops/test/helmrepo"
	"github.com/oamgitops/kubectl-gitops/test/registry"
)

// Charts pushed with Helm's own registry client (as `helm push` does) are
// pulled from the registry, then read from the cache offline.
func TestOCIRegistry(t *testing.T) {
	const user, password = "ci", "s3cret-registry-pa55"
	reg := registry.Start(t, registry.Options{Username: user, Password: password})
	for _, v := range []string{"0.4.0", "0.4.1+build.7", "0.5.0"} {
		helmrepo.MustPushOCI(t, helmrepo.MustPackage(t, mysqlOperator, v), reg.Addr(), "charts", user, password)
	}
	creds := func(_ context.Context, namespace, name string) (gitrepo.Auth, error) {
		if name == "registry" {
			return gitrepo.Auth{Username: user, Password: password}, nil
		}
		return gitrepo.Auth{Username: user, Password: "nope"}, nil
	}
	dir := t.TempDir()
	ref := helm.ChartRef{RepoType: helm.RepoOCI, URL: "oci://" + reg.Addr() + "/charts", Chart: "mysql-operator",
		Version: "0.4.x", SecretRef: "registry", Namespace: "db"}
	data, err := get(t, provider(t, charts.Options{Dir: dir, AllowNetwork: true, Credentials: creds}).Session(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if v := version(t, data); v != "0.4.1+build.7" {
		t.Errorf("0.4.x resolved to %s, want 0.4.1+build.7 (tag 0.4.1_build.7)", v)
	}
	reg.Close()
	offline := provider(t, charts.Options{Dir: dir}).Session()
	if data, err := offline.Chart(ref); err != nil || version(t, data) != "0.4.1+build.7" {
		t.Errorf("offline: %v", err)
	}
}

func TestOCIRegistryErrors(t *testing.T) {
	const user, password = "ci", "s3cret-registry-pa55"
	reg := registry.Start(t, registry.Options{Username: user, Password: password})
	helmrepo.MustPushOCI(t, helmrepo.MustPackage(t, mysqlOperator, ""), reg.Addr(), "charts", user, password)
	reg.MustPush(t, "charts/not-a-chart", "1.0.0")
	good := func(context.Context, string, string) (gitrepo.Auth, error) {
		return gitrepo.Auth{Username: user, Password: password}, nil
	}
	bad := func(context.Context, string, string) (gitrepo.Auth, error) {
		return gitrepo.Auth{Username: user, Password: "wrong-" + password}, nil
	}
	cases := map[string]struct {
		chart, version, secretRef string
		creds                     gitrepo.CredentialsFunc
		want                      string
	}{
		"no credentials": {chart: "mysql-operator", version: "0.4.0",
			want: "the registry needs credentials: name a Secret holding username and password in secretRef"},
		"wrong credentials": {chart: "mysql-operator", version: "0.4.0", secretRef: "registry", creds: bad,
			want: "the registry refused the credentials in Secret db/registry"},
		"no such version": {chart: "mysql-operator", version: "1.x", secretRef: "registry", creds: good,
			want: `no version matches "1.x" (versions: 0.4.0)`},
		"not a chart": {chart: "not-a-chart", version: "1.0.0", secretRef: "registry", creds: good,
			want: "is not a Helm chart: it has no layer of type application/vnd.cncf.helm.chart.content.v1.tar+gzip"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ref := helm.ChartRef{RepoType: helm.RepoOCI, URL: "oci://" + reg.Addr() + "/charts", Chart: tc.chart,
				Version: tc.version, SecretRef: tc.secretRef, Namespace: "db"}
			_, err := get(t, provider(t, charts.Options{Dir: t.TempDir(), AllowNetwork: true, Credentials: tc.creds}).Session(), ref)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v\nwant it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("the error shows the password: %v", err)
			}
			if errors.Is(err, helm.ErrNotAvailable) {
				t.Errorf("a failed fetch still reads as a miss: %v", err)
			}
		})
	}
}

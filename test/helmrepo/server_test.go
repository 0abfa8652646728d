package helmrepo_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/repo"

	"github.com/oamgitops/kubectl-gitops/krm/helm"
	"github.com/oamgitops/kubectl-gitops/test/helmrepo"
	testregistry "github.com/oamgitops/kubectl-gitops/test/registry"
)

var mysqlOperator = filepath.Join("..", "..", "testdata", "charts", "mysql-operator")

func get(t *testing.T, url, user, password string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// The index reads with Helm's own loader and lists every version added,
// each downloadable at its (relative) URL with the digest it gives.
func TestServer(t *testing.T) {
	srv := helmrepo.Start(t, helmrepo.Options{Charts: []string{mysqlOperator}, Username: "u", Password: "p"})
	srv.MustAdd(t, mysqlOperator, "0.4.1")
	if code, _ := get(t, srv.URL()+"/index.yaml", "", ""); code != http.StatusUnauthorized {
		t.Errorf("without credentials: %d, want 401", code)
	}
	code, body := get(t, srv.URL()+"/index.yaml", "u", "p")
	if code != http.StatusOK {
		t.Fatalf("index.yaml: %d", code)
	}
	file := filepath.Join(t.TempDir(), "index.yaml")
	if err := os.WriteFile(file, body, 0o644); err != nil {
		t.Fatal(err)
	}
	idx, err := repo.LoadIndexFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var versions []string
	for _, v := range idx.Entries["mysql-operator"] {
		versions = append(versions, v.Version)
		code, archive := get(t, srv.URL()+"/"+v.URLs[0], "u", "p")
		if code != http.StatusOK {
			t.Fatalf("%s: %d", v.URLs[0], code)
		}
		ch, err := helm.Load(archive)
		if err != nil || ch.Metadata.Version != v.Version {
			t.Errorf("%s: %v, version %v", v.URLs[0], err, ch)
		}
	}
	if diff := cmp.Diff([]string{"0.4.1", "0.4.0"}, versions); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	if code, _ := get(t, srv.URL()+"/other-1.0.0.tgz", "u", "p"); code != http.StatusNotFound {
		t.Errorf("unknown chart: %d, want 404", code)
	}
}

// PushOCI pushes what Helm's registry client pulls back.
func TestPushOCI(t *testing.T) {
	reg := testregistry.Start(t, testregistry.Options{})
	archive := helmrepo.MustPackage(t, mysqlOperator, "0.4.0+meta")
	ref := helmrepo.MustPushOCI(t, archive, reg.Addr(), "charts", "", "")
	client, err := registry.NewClient(registry.ClientOptPlainHTTP(), registry.ClientOptEnableCache(false))
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Pull(ref)
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Chart.Data) != string(archive) {
		t.Error("the pulled chart differs from the pushed one")
	}
	tags, err := client.Tags(reg.Addr() + "/charts/mysql-operator")
	if err != nil || len(tags) != 1 || tags[0] != "0.4.0+meta" {
		t.Errorf("tags %v, %v", tags, err)
	}
}

package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

func TestArchivesAreReproducible(t *testing.T) {
	files := map[string][]byte{"kubectl-gitops": []byte("bin"), "README.md": []byte("# hi")}
	epoch := time.Unix(1700000000, 0)
	for name, archive := range map[string]func(map[string][]byte, time.Time) ([]byte, error){"tar.gz": tarGzOf, "zip": zipOf} {
		a, err := archive(files, epoch)
		if err != nil {
			t.Fatal(err)
		}
		b, err := archive(files, epoch)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two archives of the same files differ", name)
		}
	}
	a, _ := tarGzOf(files, epoch)
	gz, err := gzip.NewReader(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var got []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, h.Name+" "+strings.TrimPrefix(h.FileInfo().Mode().String(), "-"))
	}
	if want := "README.md rw-r--r--,kubectl-gitops rwxr-xr-x"; strings.Join(got, ",") != want {
		t.Errorf("entries %v, want %s", got, want)
	}
}

func TestKrewManifest(t *testing.T) {
	arts := []artifact{
		{goos: "linux", arch: "amd64", file: "kubectl-gitops_v1.2.3_linux_amd64.tar.gz", sha256: "aa"},
		{goos: "windows", arch: "arm64", file: "kubectl-gitops_v1.2.3_windows_arm64.zip", sha256: "bb"},
	}
	var m struct {
		Kind     string
		Metadata struct{ Name string }
		Spec     struct {
			Version   string
			Platforms []struct {
				Selector struct{ MatchLabels map[string]string } `json:"selector"`
				URI      string                                  `json:"uri"`
				SHA256   string                                  `json:"sha256"`
				Bin      string                                  `json:"bin"`
			}
		}
	}
	if err := yaml.Unmarshal([]byte(krewManifest("v1.2.3", "me/kubectl-gitops", arts)), &m); err != nil {
		t.Fatal(err)
	}
	if m.Kind != "Plugin" || m.Metadata.Name != "gitops" || m.Spec.Version != "v1.2.3" || len(m.Spec.Platforms) != 2 {
		t.Fatalf("manifest %+v", m)
	}
	w := m.Spec.Platforms[1]
	if w.Selector.MatchLabels["os"] != "windows" || w.Bin != "kubectl-gitops.exe" || w.SHA256 != "bb" ||
		w.URI != "https://github.com/me/kubectl-gitops/releases/download/v1.2.3/kubectl-gitops_v1.2.3_windows_arm64.zip" {
		t.Errorf("windows platform %+v", w)
	}
}

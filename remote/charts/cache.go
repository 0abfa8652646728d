package charts

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/oamgitops/kubectl-gitops/internal/redact"
	"github.com/oamgitops/kubectl-gitops/krm/helm"
)

// cache is the chart cache on disk:
//
//	<dir>/<repo>/repository               the repository's type and URL
//	<dir>/<repo>/index.yaml               a Helm repository's last index
//	<dir>/<repo>/<chart>/tags.json        an OCI repository's last tag list
//	<dir>/<repo>/<chart>/<version>.tgz    a chart of a Helm or OCI repository
//	<dir>/<repo>/git/<path>/<commit>.tgz  a Git chart, packaged per commit
//	<dir>/<repo>/refs/<ref>               the commit a Git ref last pointed at
//
// <repo> is a hash of the repository's type and URL, <path> and <ref>
// hashes of the chart's directory and the ref.
type cache struct {
	dir string
}

// repoDir is the directory of ref's repository.
func (c cache) repoDir(ref helm.ChartRef) string {
	return filepath.Join(c.dir, short(ref.RepoType+"\n"+normalURL(ref.URL)))
}

// normalURL is a repository URL without credentials or trailing slashes.
func normalURL(u string) string {
	return redact.Text(strings.TrimRight(strings.TrimSpace(u), "/"))
}

func short(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// chartName checks the name of a chart in a Helm or OCI repository: it
// becomes a directory name.
func chartName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("chart name %q: a chart in a Helm or OCI repository is named by one path element", name)
	}
	return nil
}

// chartFile is where version of a Helm or OCI chart is kept.
func (c cache) chartFile(ref helm.ChartRef, version string) string {
	return filepath.Join(c.repoDir(ref), ref.Chart, version+".tgz")
}

// versions lists the versions of a Helm or OCI chart in the cache.
func (c cache) versions(ref helm.ChartRef) []string {
	entries, err := os.ReadDir(filepath.Join(c.repoDir(ref), ref.Chart))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if v, ok := strings.CutSuffix(e.Name(), ".tgz"); ok && !e.IsDir() {
			out = append(out, v)
		}
	}
	return out
}

// indexFile is a Helm repository's index, or an OCI chart's tag list.
func (c cache) indexFile(ref helm.ChartRef) string {
	if ref.RepoType == helm.RepoOCI {
		return filepath.Join(c.repoDir(ref), ref.Chart, "tags.json")
	}
	return filepath.Join(c.repoDir(ref), "index.yaml")
}

// gitChartFile is where a Git chart is kept packaged for one commit.
func (c cache) gitChartFile(ref helm.ChartRef, commit string) string {
	return filepath.Join(c.repoDir(ref), "git", short(path.Clean(ref.Chart)), commit+".tgz")
}

// gitRefFile records the commit a Git ref last pointed at.
func (c cache) gitRefFile(ref helm.ChartRef) string {
	g := ref.Git
	return filepath.Join(c.repoDir(ref), "refs", short("branch="+g.Branch+"\ntag="+g.Tag+"\nsemver="+g.SemVer))
}

// read returns a file and when it was written; fs.ErrNotExist when it is
// not there.
func read(file string) ([]byte, time.Time, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, time.Time{}, err
	}
	info, err := os.Stat(file)
	if err != nil {
		return nil, time.Time{}, err
	}
	return data, info.ModTime(), nil
}

// write replaces file atomically (a new file renamed over it), so that
// processes sharing the cache never read half a file; it also notes the
// repository's URL beside its files.
func (c cache) write(ref helm.ChartRef, file string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("chart cache: %w", err)
	}
	note := filepath.Join(c.repoDir(ref), "repository")
	if _, err := os.Stat(note); errors.Is(err, fs.ErrNotExist) {
		if err := atomicWrite(note, []byte(ref.RepoType+" "+normalURL(ref.URL)+"\n")); err != nil {
			return err
		}
	}
	return atomicWrite(file, data)
}

func atomicWrite(file string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("chart cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".tmp-*")
	if err != nil {
		return fmt.Errorf("chart cache: %w", err)
	}
	_, werr := tmp.Write(data)
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), file)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("chart cache: %w", werr)
	}
	return nil
}

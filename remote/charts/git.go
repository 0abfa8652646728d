package charts

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"

	"github.com/oamgitops/kubectl-gitops/krm/helm"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
)

// cachedGit returns a Git chart from the cache: the one packaged for the
// commit ref names, or the one its branch, tag or semver range pointed at
// when last fetched.
func (p *Provider) cachedGit(ref helm.ChartRef) ([]byte, error) {
	commit := ref.Git.Commit
	if commit == "" {
		data, _, err := read(p.cache.gitRefFile(ref))
		if err != nil {
			return nil, fmt.Errorf("the Git reference is not in the chart cache: %w", helm.ErrNotAvailable)
		}
		commit = strings.TrimSpace(string(data))
	}
	archive, _, err := read(p.cache.gitChartFile(ref, commit))
	if err != nil {
		return nil, fmt.Errorf("commit %s is not in the chart cache: %w", commit, helm.ErrNotAvailable)
	}
	if err := gitVersion(archive, ref, commit); err != nil {
		return nil, fmt.Errorf("%w: %w", err, helm.ErrNotAvailable)
	}
	return archive, nil
}

// gitVersion checks a Git chart's own version against ref's constraint.
func gitVersion(archive []byte, ref helm.ChartRef, commit string) error {
	ch, err := helm.Load(archive)
	if err != nil {
		return err
	}
	if v := strings.TrimSpace(ref.Version); v == "" || v == "*" {
		return nil // any version, pre-releases too
	}
	if _, err := helm.ResolveVersion(ref.Version, []string{ch.Metadata.Version}); err != nil {
		return fmt.Errorf("the chart at commit %s has version %s, which does not match %q", shortCommit(commit), ch.Metadata.Version, ref.Version)
	}
	return nil
}

// fetchGit checks the repository out at ref's Git reference and packages
// the chart in its directory, as `helm package` does.
func (p *Provider) fetchGit(ctx context.Context, ref helm.ChartRef, auth gitrepo.Auth) error {
	rel := path.Clean(strings.TrimPrefix(filepath.ToSlash(ref.Chart), "./"))
	if path.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, "../") {
		return fmt.Errorf("chart %q: a chart in a Git repository is a directory inside it, written relative to its root", ref.Chart)
	}
	opts := p.opts.Git
	opts.WorkDir = ""
	co, err := gitrepo.Fetch(ctx, gitrepo.Spec{Name: "chart " + ref.Chart, URL: ref.URL, Auth: auth,
		Ref: gitrepo.Ref{Branch: ref.Git.Branch, Tag: ref.Git.Tag, SemVer: ref.Git.SemVer, Commit: ref.Git.Commit}}, opts)
	if err != nil {
		return err
	}
	defer co.Close()
	dir := filepath.Join(co.Dir, filepath.FromSlash(rel))
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("commit %s has no directory %s", shortCommit(co.Commit), rel)
	}
	root, err := filepath.EvalSymlinks(co.Dir)
	if err != nil {
		return err
	}
	if real != root && !strings.HasPrefix(real, root+string(filepath.Separator)) {
		return fmt.Errorf("chart %s: at commit %s it is a symlink that leads out of the repository", rel, shortCommit(co.Commit))
	}
	ch, err := loader.LoadDir(real)
	if err != nil {
		return fmt.Errorf("commit %s: %s is not a chart: %w", shortCommit(co.Commit), rel, err)
	}
	tmp, err := os.MkdirTemp("", "chart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	file, err := chartutil.Save(ch, tmp)
	if err != nil {
		return fmt.Errorf("commit %s: packaging %s: %w", shortCommit(co.Commit), rel, err)
	}
	archive, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := gitVersion(archive, ref, co.Commit); err != nil {
		return err
	}
	commit := co.Commit
	if ref.Git.Commit != "" {
		commit = ref.Git.Commit // as written, which lookups use
	}
	if err := p.cache.write(ref, p.cache.gitChartFile(ref, commit), archive); err != nil {
		return err
	}
	if ref.Git.Commit == "" {
		if err := p.cache.write(ref, p.cache.gitRefFile(ref), []byte(co.Commit+"\n")); err != nil {
			return err
		}
	}
	p.progress("fetched chart %s %s from %s at %s", ch.Name(), ch.Metadata.Version, normalURL(ref.URL), co.Revision)
	return nil
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

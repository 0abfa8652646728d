package charts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/Masterminds/semver/v3"

	"github.com/oamgitops/kubectl-gitops/krm/helm"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
)

// ValuesFunc reads the data of a ConfigMap or Secret (decoded) from a
// cluster. A missing object is an error wrapping helm.ErrNotFound.
type ValuesFunc func(ctx context.Context, ref helm.ValuesRef) (map[string]string, error)

// Options configure a Provider.
type Options struct {
	// Dir is the cache directory. Default: kubectl-gitops/charts under the
	// user cache directory (os.UserCacheDir).
	Dir string
	// AllowNetwork lets a Session fetch what the cache lacks, and refresh
	// indexes older than MaxAge. Default false: the cache only.
	AllowNetwork bool
	// MaxAge is how long a fetched index, tag list or Git ref answers
	// version constraints and moving refs before it is fetched again.
	// Default 5m (a Flux HelmRepository's default interval).
	MaxAge time.Duration
	// Credentials reads the Secret a component's secretRef names. Default
	// nil: a chart naming a secretRef cannot be fetched.
	Credentials gitrepo.CredentialsFunc
	// Values reads valuesFrom objects from a cluster. Default nil: there is
	// no cluster, and an object not among the rendered items does not
	// exist.
	Values ValuesFunc
	// HTTPClient fetches from Helm repositories. Default: one with a
	// two-minute timeout.
	HTTPClient *http.Client
	// Git configures fetches of Git charts. Default gitrepo.DefaultOptions().
	Git gitrepo.Options
	// Progress receives one line per fetch. Default nil: none.
	Progress io.Writer
}

// DefaultDir is the default cache directory.
func DefaultDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("chart cache: %w", err)
	}
	return filepath.Join(base, "kubectl-gitops", "charts"), nil
}

// Provider gets charts into its cache and hands them to renders through
// Sessions. It is safe for concurrent use.
type Provider struct {
	opts  Options
	cache cache
}

// New returns a Provider.
func New(opts Options) (*Provider, error) {
	if opts.Dir == "" {
		dir, err := DefaultDir()
		if err != nil {
			return nil, err
		}
		opts.Dir = dir
	}
	if opts.MaxAge == 0 {
		opts.MaxAge = 5 * time.Minute
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 2 * time.Minute}
	}
	if opts.Git == (gitrepo.Options{}) {
		opts.Git = gitrepo.DefaultOptions()
	}
	return &Provider{opts: opts, cache: cache{dir: opts.Dir}}, nil
}

// Dir is the cache directory.
func (p *Provider) Dir() string { return p.opts.Dir }

// Session starts the view one build renders through.
func (p *Provider) Session() *Session {
	return &Session{p: p, charts: map[helm.ChartRef]*entry{}, values: map[helm.ValuesRef]*valuesEntry{}}
}

// floating reports whether ref may resolve to another chart later: a
// version constraint, or a Git branch, semver range or default branch.
func floating(ref helm.ChartRef) bool {
	if ref.RepoType == helm.RepoGit {
		return ref.Git.Commit == "" && ref.Git.Tag == ""
	}
	_, err := semver.StrictNewVersion(trimV(ref.Version))
	return err != nil
}

// fresh reports whether what answers ref's version constraint or moving
// ref was fetched less than MaxAge ago.
func (p *Provider) fresh(ref helm.ChartRef) bool {
	file := p.cache.indexFile(ref)
	if ref.RepoType == helm.RepoGit {
		file = p.cache.gitRefFile(ref)
	}
	info, err := os.Stat(file)
	return err == nil && time.Since(info.ModTime()) < p.opts.MaxAge
}

// cached returns ref's chart from the cache; an error wrapping
// helm.ErrNotAvailable when it is not there.
func (p *Provider) cached(ref helm.ChartRef) ([]byte, error) {
	if ref.RepoType == helm.RepoGit {
		return p.cachedGit(ref)
	}
	if err := chartName(ref.Chart); err != nil {
		return nil, err
	}
	versions, err := p.indexVersions(ref)
	if err != nil {
		return nil, err
	}
	if versions == nil {
		if versions = p.cache.versions(ref); len(versions) == 0 {
			return nil, fmt.Errorf("it is not in the chart cache: %w", helm.ErrNotAvailable)
		}
	}
	version, err := helm.ResolveVersion(ref.Version, versions)
	var verr *helm.VersionError
	if errors.As(err, &verr) {
		return nil, fmt.Errorf("%w: %w", err, helm.ErrNotAvailable)
	}
	if err != nil {
		return nil, err
	}
	data, _, err := read(p.cache.chartFile(ref, version))
	if err != nil {
		return nil, fmt.Errorf("version %s is not in the chart cache: %w", version, helm.ErrNotAvailable)
	}
	return data, nil
}

func (p *Provider) progress(format string, args ...any) {
	if p.opts.Progress != nil {
		fmt.Fprintf(p.opts.Progress, format+"\n", args...)
	}
}

func trimV(v string) string {
	if len(v) > 1 && v[0] == 'v' {
		return v[1:]
	}
	return v
}

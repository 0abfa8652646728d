package charts

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/helm"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
)

// Limits on what is downloaded: an index of a large public repository is
// tens of megabytes.
const (
	maxIndexBytes = 256 << 20
	maxChartBytes = 64 << 20
)

// repoIndex is the part of a Helm repository's index.yaml read here.
type repoIndex struct {
	Entries map[string][]indexEntry `json:"entries"`
}

type indexEntry struct {
	Version string   `json:"version"`
	URLs    []string `json:"urls"`
	Digest  string   `json:"digest"`
}

// indexVersions lists the versions of ref's chart that the cached index
// (or OCI tag list) names; nil when there is no cached index.
func (p *Provider) indexVersions(ref helm.ChartRef) ([]string, error) {
	data, _, err := read(p.cache.indexFile(ref))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("chart cache: %w", err)
	}
	if ref.RepoType == helm.RepoOCI {
		var tags []string
		if err := json.Unmarshal(data, &tags); err != nil {
			return nil, nil // unreadable: fetched again
		}
		return tagVersions(tags), nil
	}
	idx, err := parseIndex(data)
	if err != nil {
		return nil, nil
	}
	entries, ok := idx.Entries[ref.Chart]
	if !ok {
		return nil, fmt.Errorf("the repository's index has no chart %q: %w", ref.Chart, helm.ErrNotAvailable)
	}
	versions := make([]string, 0, len(entries))
	for _, e := range entries {
		versions = append(versions, e.Version)
	}
	return versions, nil
}

func parseIndex(data []byte) (*repoIndex, error) {
	idx := &repoIndex{}
	if err := yaml.Unmarshal(data, idx); err != nil {
		return nil, fmt.Errorf("index.yaml is not a Helm repository index: %w", err)
	}
	if idx.Entries == nil {
		return nil, errors.New("index.yaml is not a Helm repository index: it has no entries")
	}
	return idx, nil
}

// fetchHelm fetches a Helm repository's index, then the chart version it
// resolves ref to when the cache does not have it.
func (p *Provider) fetchHelm(ctx context.Context, ref helm.ChartRef, auth gitrepo.Auth) error {
	if err := chartName(ref.Chart); err != nil {
		return err
	}
	base, auth, err := repoURL(ref.URL, auth)
	if err != nil {
		return err
	}
	indexURL := base.JoinPath("index.yaml")
	data, err := p.get(ctx, indexURL, auth, ref, maxIndexBytes)
	if err != nil {
		return fmt.Errorf("repository index: %w", err)
	}
	idx, err := parseIndex(data)
	if err != nil {
		return fmt.Errorf("%s: %w", indexURL.Redacted(), err)
	}
	if err := p.cache.write(ref, p.cache.indexFile(ref), data); err != nil {
		return err
	}
	entries, ok := idx.Entries[ref.Chart]
	if !ok {
		return fmt.Errorf("the repository's index has no chart %q", ref.Chart)
	}
	versions := make([]string, 0, len(entries))
	for _, e := range entries {
		versions = append(versions, e.Version)
	}
	version, err := helm.ResolveVersion(ref.Version, versions)
	if err != nil {
		return err
	}
	file := p.cache.chartFile(ref, version)
	if _, err := os.Stat(file); err == nil {
		return nil
	}
	var entry indexEntry
	for _, e := range entries {
		if e.Version == version {
			entry = e
		}
	}
	if len(entry.URLs) == 0 {
		return fmt.Errorf("the repository's index gives no URL for version %s", version)
	}
	chartURL, err := base.JoinPath("/").Parse(entry.URLs[0])
	if err != nil {
		return fmt.Errorf("version %s: URL %q: %w", version, entry.URLs[0], err)
	}
	if chartURL.Host != base.Host {
		auth = gitrepo.Auth{CAFile: auth.CAFile} // credentials go to the repository's host only, as Helm sends them
	}
	archive, err := p.get(ctx, chartURL, auth, ref, maxChartBytes)
	if err != nil {
		return fmt.Errorf("version %s: %w", version, err)
	}
	if want := strings.TrimPrefix(entry.Digest, "sha256:"); want != "" {
		sum := sha256.Sum256(archive)
		if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, want) {
			return fmt.Errorf("version %s: %s has digest sha256:%s, the index says sha256:%s", version, chartURL.Redacted(), got, want)
		}
	}
	if err := checkArchive(archive, ref.Chart, version); err != nil {
		return fmt.Errorf("%s: %w", chartURL.Redacted(), err)
	}
	if err := p.cache.write(ref, file, archive); err != nil {
		return err
	}
	p.progress("fetched chart %s %s from %s", ref.Chart, version, normalURL(ref.URL))
	return nil
}

// checkArchive checks that a downloaded archive is the chart asked for.
func checkArchive(archive []byte, name, version string) error {
	ch, err := helm.Load(archive)
	if err != nil {
		return err
	}
	if ch.Name() != name || ch.Metadata.Version != version {
		return fmt.Errorf("the archive holds chart %s version %s, not %s %s", ch.Name(), ch.Metadata.Version, name, version)
	}
	return nil
}

// repoURL parses a repository URL; credentials written into it are moved
// into auth (when auth has none), as Helm does.
func repoURL(raw string, auth gitrepo.Auth) (*url.URL, gitrepo.Auth, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(raw), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, auth, fmt.Errorf("url %q: a Helm repository URL is http:// or https://", normalURL(raw))
	}
	if u.User != nil {
		if auth.Username == "" && auth.Password == "" && auth.BearerToken == "" {
			auth.Username = u.User.Username()
			auth.Password, _ = u.User.Password()
		}
		u.User = nil
	}
	return u, auth, nil
}

// get downloads u with auth, at most limit bytes.
func (p *Provider) get(ctx context.Context, u *url.URL, auth gitrepo.Auth, ref helm.ChartRef, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	switch {
	case auth.BearerToken != "":
		req.Header.Set("Authorization", "Bearer "+auth.BearerToken)
	case auth.Username != "" || auth.Password != "":
		req.SetBasicAuth(auth.Username, auth.Password)
	}
	client, err := p.client(auth)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("the repository is unreachable: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		if ref.SecretRef == "" {
			return nil, fmt.Errorf("GET %s: %s: the repository needs credentials; name a Secret holding username and password in secretRef", u.Redacted(), resp.Status)
		}
		return nil, fmt.Errorf("GET %s: %s: the repository refused the credentials in Secret %s/%s", u.Redacted(), resp.Status, ref.Namespace, ref.SecretRef)
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("GET %s: %s", u.Redacted(), resp.Status)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("GET %s: %s", u.Redacted(), resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u.Redacted(), err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("GET %s: larger than %d MiB", u.Redacted(), limit>>20)
	}
	return data, nil
}

// client is the HTTP client, trusting auth's CA besides the system's.
func (p *Provider) client(auth gitrepo.Auth) (*http.Client, error) {
	if len(auth.CAFile) == 0 {
		return p.opts.HTTPClient, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(auth.CAFile) {
		return nil, fmt.Errorf("%s: no PEM certificate in it", gitrepo.KeyCA)
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	c := *p.opts.HTTPClient
	c.Transport = base
	return &c, nil
}

package charts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/oamgitops/kubectl-gitops/krm/helm"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
)

// chartLayerType is the media type of the layer holding a chart pushed by
// `helm push`.
const chartLayerType = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"

// ociRepository is the OCI repository of ref's chart: url oci://HOST/PATH
// and chart NAME make HOST/PATH/NAME. Registries on loopback addresses are
// spoken to over plain HTTP.
func ociRepository(ref helm.ChartRef) (name.Repository, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(ref.URL), "oci://")
	if !ok {
		return name.Repository{}, fmt.Errorf("url %q: an OCI repository URL starts with oci://", normalURL(ref.URL))
	}
	repo, err := name.NewRepository(strings.Trim(rest, "/") + "/" + ref.Chart)
	if err != nil {
		return name.Repository{}, fmt.Errorf("url %q: %w", normalURL(ref.URL), err)
	}
	return repo, nil
}

// tagVersions turns OCI tags into chart versions: Helm writes "+" as "_"
// in tags, which may not hold "+".
func tagVersions(tags []string) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = strings.ReplaceAll(t, "_", "+")
	}
	return out
}

// fetchOCI lists the chart's tags, then pulls the version ref resolves to
// when the cache does not have it.
func (p *Provider) fetchOCI(ctx context.Context, ref helm.ChartRef, auth gitrepo.Auth) error {
	if err := chartName(ref.Chart); err != nil {
		return err
	}
	repo, err := ociRepository(ref)
	if err != nil {
		return err
	}
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuth(ociAuth(auth))}
	if len(auth.CAFile) > 0 {
		client, err := p.client(auth)
		if err != nil {
			return err
		}
		opts = append(opts, remote.WithTransport(client.Transport))
	}
	tags, err := remote.List(repo, opts...)
	if err != nil {
		return fmt.Errorf("listing the tags of %s: %w", repo, ociError(err, ref))
	}
	data, err := json.Marshal(tags)
	if err != nil {
		return err
	}
	if err := p.cache.write(ref, p.cache.indexFile(ref), data); err != nil {
		return err
	}
	version, err := helm.ResolveVersion(ref.Version, tagVersions(tags))
	if err != nil {
		return err
	}
	file := p.cache.chartFile(ref, version)
	if _, err := os.Stat(file); err == nil {
		return nil
	}
	tag := repo.Tag(strings.ReplaceAll(version, "+", "_"))
	desc, err := remote.Get(tag, opts...)
	if err != nil {
		return fmt.Errorf("%s: %w", tag, ociError(err, ref))
	}
	manifest, err := v1.ParseManifest(strings.NewReader(string(desc.Manifest)))
	if err != nil {
		return fmt.Errorf("%s: not an OCI manifest: %w", tag, err)
	}
	var layer *v1.Descriptor
	for i := range manifest.Layers {
		if string(manifest.Layers[i].MediaType) == chartLayerType {
			layer = &manifest.Layers[i]
		}
	}
	if layer == nil {
		return fmt.Errorf("%s is not a Helm chart: it has no layer of type %s", tag, chartLayerType)
	}
	if layer.Size > maxChartBytes {
		return fmt.Errorf("%s: the chart is larger than %d MiB", tag, maxChartBytes>>20)
	}
	l, err := remote.Layer(repo.Digest(layer.Digest.String()), opts...)
	if err != nil {
		return fmt.Errorf("%s: %w", tag, ociError(err, ref))
	}
	rc, err := l.Compressed()
	if err != nil {
		return fmt.Errorf("%s: %w", tag, ociError(err, ref))
	}
	defer rc.Close()
	archive, err := io.ReadAll(io.LimitReader(rc, maxChartBytes+1))
	if err != nil {
		return fmt.Errorf("%s: %w", tag, ociError(err, ref))
	}
	if err := checkArchive(archive, ref.Chart, version); err != nil {
		return fmt.Errorf("%s: %w", tag, err)
	}
	if err := p.cache.write(ref, file, archive); err != nil {
		return err
	}
	p.progress("fetched chart %s %s from %s", ref.Chart, version, normalURL(ref.URL))
	return nil
}

func ociAuth(auth gitrepo.Auth) authn.Authenticator {
	switch {
	case auth.BearerToken != "":
		return &authn.Bearer{Token: auth.BearerToken}
	case auth.Username != "" || auth.Password != "":
		return &authn.Basic{Username: auth.Username, Password: auth.Password}
	}
	return authn.Anonymous
}

// ociError says what to do about a registry's refusal.
func ociError(err error, ref helm.ChartRef) error {
	var terr *transport.Error
	if errors.As(err, &terr) && (terr.StatusCode == 401 || terr.StatusCode == 403) {
		if ref.SecretRef == "" {
			return fmt.Errorf("%w; the registry needs credentials: name a Secret holding username and password in secretRef", err)
		}
		return fmt.Errorf("%w; the registry refused the credentials in Secret %s/%s", err, ref.Namespace, ref.SecretRef)
	}
	return err
}

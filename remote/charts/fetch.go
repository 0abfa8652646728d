package charts

import (
	"context"
	"fmt"

	"github.com/oamgitops/kubectl-gitops/krm/helm"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
)

// fetch gets ref's chart into the cache: the repository's index (or tag
// list, or the Git ref's commit) and the chart it resolves to. Errors say
// what failed, not which chart: the render names the chart.
func (p *Provider) fetch(ctx context.Context, ref helm.ChartRef) error {
	auth, err := p.credentials(ctx, ref)
	if err != nil {
		return err
	}
	switch ref.RepoType {
	case helm.RepoHelm:
		return p.fetchHelm(ctx, ref, auth)
	case helm.RepoOCI:
		return p.fetchOCI(ctx, ref, auth)
	case helm.RepoGit:
		return p.fetchGit(ctx, ref, auth)
	}
	return fmt.Errorf("repoType %q: expected helm, oci or git", ref.RepoType)
}

// credentials reads the Secret ref's secretRef names.
func (p *Provider) credentials(ctx context.Context, ref helm.ChartRef) (gitrepo.Auth, error) {
	if ref.SecretRef == "" {
		return gitrepo.Auth{}, nil
	}
	if p.opts.Credentials == nil {
		return gitrepo.Auth{}, fmt.Errorf("secretRef %s: the repository's credentials are in a cluster Secret, and there is no cluster to read it from", ref.SecretRef)
	}
	auth, err := p.opts.Credentials(ctx, ref.Namespace, ref.SecretRef)
	if err != nil {
		return gitrepo.Auth{}, fmt.Errorf("secretRef: %w", err)
	}
	return auth, nil
}

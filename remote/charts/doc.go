// Package charts gets Helm charts for the `helm` component and keeps them
// in a cache on disk, so that a second render needs no network: charts
// from HTTP(S) Helm repositories (index.yaml, version constraints resolved
// with Masterminds/semver), from OCI registries (go-containerregistry)
// and from directories of Git repositories (remote/gitrepo, packaged as
// `helm package` does). The ConfigMaps and Secrets a chart's valuesFrom
// names are read through Options.Values (the plugin reads them from its
// cluster). It talks to chart repositories only, never to a cluster, so
// the render-application function uses it as the plugin does.
//
// Rendering stays pure (krm/helm never fetches): a Session is the
// helm.Source a render reads from. It answers from the cache and records
// what it lacked; Fetch then fetches that (with ctx, credentials from the
// Secret a component's secretRef names), and the caller renders again. A
// fetch that fails is answered to the second render as that chart's
// error, so the render's message names the file, the Application, the
// component, the chart and its version:
//
//	p, _ := charts.New(charts.Options{AllowNetwork: true, Credentials: creds})
//	s := p.Session()
//	fn.Charts = s // render.Function
//	for {
//		items, results := fn.Render(items, cfg)
//		if results.ExitCode() == 0 { break }
//		if fetched, err := s.Fetch(ctx); err != nil || !fetched { break }
//	}
//
// The cache, <user cache dir>/kubectl-gitops/charts by default, holds one
// directory per repository (a hash of its type and URL, with a
// `repository` file naming it): <chart>/<version>.tgz for Helm and OCI
// repositories beside the last index.yaml or tag list, and for Git the
// chart packaged per commit with the commit each ref pointed at. A version
// constraint (and a Git branch or semver ref) is resolved against an index
// fetched at most MaxAge ago when the network is allowed, else against the
// cached one; an exact version or a commit is read from the cache without
// asking the repository. Files are written atomically, so processes may
// share the cache.
//
// Function runs render-application with this cache (spec.charts of its
// config: cacheDir, allowNetwork), for kustomize and kpt.
package charts

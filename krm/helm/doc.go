// Package helm renders Helm charts client-side for the `helm` component
// type, the way `helm template --include-crds` does: the chart's values are
// coalesced with the user's, its templates rendered with the Helm SDK for a
// given release name, namespace and Kubernetes version, and the result
// returned as plain objects: the CRDs of the chart's crds/ directories
// first, then the manifests in Helm's install order, then the hooks (Helm
// prints them after the manifests and keeps their helm.sh/hook
// annotations).
//
// The package is pure. It never fetches: charts and values come from a
// Source, a lookup into what the caller already holds (a cache filled by
// the plugin, the charts a test packaged, the ConfigMaps among a
// function's input items). A lookup of something the Source does not hold
// fails with an error wrapping ErrNotAvailable, and Render reports it as a
// *MissingError, so a caller that may fetch (remote/charts) learns what to
// fetch, fetches it, then renders again:
//
//	req, err := helm.ParseRequest(fields) // from a definition's helmChart
//	res, err := helm.Render(req, src, "v1.34.0")
//	// res.Objects: CRDs, manifests, hooks
package helm

// Command benchsync is the cluster half of `make bench` (hack/bench.sh). It
// puts the benchmark's Applications into a local cluster (test/cluster) two
// ways, each on a fresh cluster of its own so neither sees the other's
// objects, and reports them side by side:
//
//   - kubectl: `kubectl apply --server-side -f` of the objects that
//     `kubectl gitops build` renders from the Applications, then
//     `kubectl wait --for=condition=Available deployment --all -A`, then
//     the same apply again (the no-op);
//   - gitops: `kubectl gitops sync --repo URL --branch main --path apps`
//     from a local Git server (test/gitserver) holding the Applications
//     (fetch, render, apply, wait for health), then the same sync again.
//
// Every command runs under GNU time (`time -v`) for its CPU time and peak
// RSS. Write requests are counted from the apiserver's /metrics
// (apiserver_request_total) before and after each command: POST, PUT,
// PATCH, APPLY, DELETE and DELETECOLLECTION to the resources the objects
// and the inventory live in, apart from those sent as dry-runs and from
// writes the controllers and kwok send meanwhile (other resources and
// subresources such as status), which are reported on their own.
//
// The fake node is given room for every replica the objects ask for.
//
// Usage:
//
//	benchsync -bin bin/kubectl-gitops -apps DIR [-timeout 30m] [-time /usr/bin/time]
//
// Results go to stdout, progress to stderr. It exits non-zero when a side
// fails; missing a target is reported, not a failure.
package main

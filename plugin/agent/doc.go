// Package agent is pull mode in the cluster: a controller that keeps the
// cluster in step with the Git sources its OAM Applications declare.
//
// An informer watches the Applications (of one namespace or all, those
// matching a label selector when sharded), so a create, update or delete
// reaches the agent within a second. Each `type: kustomize` component is
// a source; the sources go into a work queue keyed by source (repository,
// ref and path), and up to Options.Concurrent workers step them: one step
// of a source at a time, different sources in parallel. A step is what
// plugin/watch does for one source and its nested sources: fetch when the
// pull interval is due and sync a new revision, sync the last revision
// again when the drift interval is due, back off after a failure. The key
// goes back into the queue for when it is due next, on the same clock the
// schedule uses, so tests drive it without waiting.
//
// After each step the Applications declaring the source get their status:
// KubeVela's status.status and status.services, and kstatus conditions
// (Ready, Reconciling, Stalled) with observedGeneration and the last
// applied and attempted revisions, so `kubectl wait --for=condition=Ready`
// works. Each sync, prune and failure is an Event on those Applications,
// and Metrics counts them for /metrics.
//
// Two Applications declaring one source share it. A source no Application
// declares any more is dropped: what it applied stays in the cluster.
//
// Only one replica acts: RunWithLeaderElection holds a Lease and runs the
// controller while it does; the others wait to take over.
package agent

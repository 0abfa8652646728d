// Package status turns what the inventories of synced sources record into
// what people read: the rows of `kubectl gitops ls` (one row per source
// and one per OAM component, grouped by Application as `vela ls` shows
// them), the Tree of sources and their nested sources (the one walk over
// recorded sources, with SourceHealth), and the status the agent writes on
// an Application (Application: KubeVela's status.status and services,
// kstatus conditions, observedGeneration, revisions; KeepTransitions).
//
// It is pure: it takes apply.InventoryRecord values already read from the
// cluster and returns values. Health is the health recorded by the last
// sync of each source, not a live check.
//
// Components of one Application may be recorded by several sources; they
// are merged into the rows of that Application. Rows are sorted by
// namespace, Application and component. An Application is "running" when
// every row of it is healthy, else "unhealthy" (KubeVela's phases), and
// its created time is the earliest creation of the inventories recording it.
package status

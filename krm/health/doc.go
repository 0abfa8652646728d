// Package health judges live objects by the health rules of their
// definitions, as KubeVela does: a component definition's
// `attributes.status.healthPolicy` is CUE that sets `isHealth` from
// `context.output`, the live workload, and its `customStatus` sets
// `message`.
//
// Evaluate runs one definition's rules on one object. A Checker finds the
// definition of a rendered workload through the OAM labels every rendered
// object carries (app.oam.dev/resourceType: WORKLOAD and
// workload.oam.dev/type) and gives no verdict for anything else: traits and
// plain objects are left to the caller (kstatus in plugin/apply).
//
// An object annotated `app.oam.dev/disable-health-check` is healthy
// whatever its rules say; its message is still computed.
//
// The package takes objects and returns values: it does no I/O.
package health

// Package apply puts a source's rendered objects into a cluster with
// server-side apply (github.com/fluxcd/pkg/ssa) under one field manager,
// kubectl-gitops.
//
// Apply works in waves. Wave 0 holds the cluster definitions
// (CustomResourceDefinitions, Namespaces, ClusterRoles): they are applied and
// waited for until established, so a CRD and its custom resources can live
// in one source. The other objects follow in the order of their
// `config.kubernetes.io/depends-on` annotations: an object goes in the wave
// after every object it names (read with krm/order.ParseDependsOn). Each
// wave must be healthy before the next one starts: an object is judged by
// ApplyOptions.Health when it gives a verdict (DefinitionHealth: the health
// policy and custom status of the workload's component definition, see
// krm/health), else by kstatus (Current). A wave that is not healthy within
// ApplyOptions.WaveTimeout, or that has an object kstatus sees Failed, fails
// with a NotHealthyError naming each object and why.
//
// The objects of a source form an ApplySet (KEP-3659) whose parent is a
// ConfigMap or Secret: the parent carries the applyset.kubernetes.io/id
// label and the tooling, contains-group-kinds and additional-namespaces
// annotations, and every member the applyset.kubernetes.io/part-of label, so
// `kubectl apply --prune --applyset` understands the set. After the last
// wave, members of the previous set that are not in the new one are deleted,
// except those annotated `oamgitops.dev/prune: disabled`. An empty set is
// refused unless ApplyOptions.AllowEmpty: a render that comes out empty by
// mistake must not delete everything. Pruning, like Delete (everything a
// source applied, then its parent), goes in reverse dependency order: the
// last wave first, each gone before the wave before it is deleted.
//
// The parent also records the revision of the last apply that became
// healthy (oamgitops.dev/revision, ApplyOptions.Revision), the health of
// each OAM component of the last apply (oamgitops.dev/components, JSON) and
// the last HistoryLimit revisions applied (oamgitops.dev/history, JSON), and
// where the objects come from (oamgitops.dev/source: ApplyOptions.Source,
// a repository URL written without credentials). ReadInventory and
// ListInventories read them back for `ls` and `history`.
// ApplyOptions.Progress is told when each wave starts and becomes healthy.
//
// A re-apply of unchanged objects sends no write request, not even a
// server-side dry-run: each object carries the hash of what was last applied
// in the `oamgitops.dev/applied-hash` annotation, and an object whose live
// state still holds that hash and every applied value is left alone. Any
// other object goes through ssa's dry-run drift detection and is applied only
// when the dry-run result differs from the live object.
//
// Two applies of one source at once (a CI sync racing the agent) cannot
// both prune: each reads the parent's resourceVersion before its parent
// writes and before it prunes, and one that finds the parent written by
// another stops with ErrConcurrentSync, pruning and recording nothing.
// These are reads: an apply with nothing to change still writes nothing.
//
// Diff is Apply's dry run: for the same objects and options it says what
// Apply would create, configure and prune (the stale members found as
// prune finds them), as unified diffs with Secret values masked, and
// changes nothing.
//
// Result and Change are what a sync or delete did, one Change per object
// (ChangesOf a change set); `sync -o json`, the watch loop and the agent's
// events all read them.
package apply

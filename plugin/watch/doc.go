// Package watch is the pull loop of `kubectl gitops watch`: it keeps a
// cluster in step with Git sources by fetching each on its own schedule and
// syncing what changed.
//
// Every source (each root, and each nested source a build declares) has two
// clocks:
//
//   - pull, every Interval (the source's `pullInterval`, else
//     Options.Interval, default 1 minute): fetch; when the revision is new,
//     build and sync it. An unchanged revision is not built again (the
//     fetch is cheap when the Git cache holds the commit).
//   - drift, every DriftInterval (default 5 minutes): sync the last build
//     that synced healthy again, even though Git did not change. A sync
//     that finds nothing changed sends no write to the API server, so this
//     is cheap; an object edited by hand is put back ("drift repaired").
//
// Nested sources are added when their parent's build declares them (and
// synced right after it, in the same pass) and dropped when a later build
// no longer does; what a dropped source applied stays in the cluster. A
// source reached twice is watched once, and a source that declares itself
// (a cycle) is refused, as in sync.
//
// A source that fails (Git unreachable, a render error, a wave that does
// not become healthy) is reported and retried with backoff: after
// RetryDelay (default 10 seconds), doubling with each failure in a row,
// never longer than its interval. The others go on. After a render error
// the last good build is still checked for drift; after a failed sync it
// is not (the cluster may hold part of the new revision), and the retry
// syncs the fetched revision again.
//
// The loop is one goroutine: one fetch, build or sync at a time, so a
// cluster never sees two applies from one watch at once and the order is
// the one sync uses (a parent before its nested sources). Tasks (periodic
// work besides sources, such as image automation) run between syncs on
// their own intervals.
//
// The clock is Options.Now and the waiting Options.Sleep, so tests drive
// the schedule without waiting. Once runs a single pass, like sync.
//
//	loop := &watch.Loop{Fetcher: walker, Syncer: syncer, Options: watch.DefaultOptions()}
//	err := loop.Run(ctx, roots) // until ctx is done
package watch

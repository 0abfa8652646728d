// Package reconcile wires the plugin's pieces into one pass over a source:
// fetch it (plugin/source), build it (plugin/build), then hand the objects
// to a visitor: Syncer.Sync applies them, Syncer.Diff asks the applier what
// the same apply would do (plugin/apply's Diff), so diff and sync agree.
//
// A Source is a Git repository, a ref and a path, with the Secret holding
// its credentials. Sources come from flags, or from OAM Applications whose
// components have `type: kustomize` and `repoType: git` (FromApplications,
// ReadApplications). Applications of that kind found in a source's own
// build are followed as nested sources after it, depth first, with cycle
// detection on URL, ref and path:
//
//	w := reconcile.Walker{Build: buildOpts, Credentials: creds, Progress: os.Stderr}
//	err := w.Walk(ctx, roots, func(ctx context.Context, b *reconcile.Built) error {
//		// b.Source, b.Revision, b.Objects
//		_, err := syncer.Sync(ctx, b)
//		return err
//	})
package reconcile

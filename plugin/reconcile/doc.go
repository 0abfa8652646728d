// Package reconcile wires the plugin's pieces into one pass over a source:
// fetch it (remote/gitrepo), build it (plugin/build), then hand the objects
// to a visitor: Syncer.Sync applies them, Syncer.Diff asks the applier what
// the same apply would do (plugin/apply's Diff), so diff and sync agree.
//
// A source is a plugin/source Declaration: a Git repository, a ref and a
// path, with the Secret holding its credentials, from flags or from the
// `type: kustomize` components of OAM Applications (source.FromApplications).
// Applications of that kind found in a source's own build are followed as
// nested sources after it, depth first, with cycle detection on URL, ref
// and path. apply.InventoryOf names the ApplySet parent of a source.
//
//	w := reconcile.Walker{Build: buildOpts, Credentials: creds, Progress: os.Stderr}
//	err := w.Walk(ctx, roots, func(ctx context.Context, b *build.Built) error {
//		// b.Source, b.Revision, b.Objects
//		_, err := syncer.Sync(ctx, b)
//		return err
//	})
package reconcile

// Package reconcile wires the plugin's pieces into one pass over a source:
// fetch it (plugin/source), build it (plugin/build), then hand the objects
// to a visitor (an apply for sync, a server-side dry-run diff for diff).
//
// A Source is a Git repository, a ref and a path, with the Secret holding
// its credentials. Sources come from flags, or from OAM Applications whose
// components have `type: kustomize` and `repoType: git` (FromApplications,
// ReadApplications). Applications of that kind found in a source's own
// build are followed as nested sources after it, depth first, with cycle
// detection on URL, ref and path:
//
//	w := reconcile.Walker{Build: buildOpts, Credentials: creds, Progress: os.Stderr}
//	err := w.Walk(ctx, roots, func(ctx context.Context, s reconcile.Built) error {
//		// s.Source, s.Checkout.Revision, s.Objects
//		return nil
//	})
package reconcile

// Package source fetches Git sources: it clones a repository into a local
// cache keyed by URL (or fetches into the cached clone when it is already
// there), resolves a Ref (branch, tag, semver range over tags, or commit) to
// a commit, and writes that commit's tree into a work directory.
//
//	co, err := source.Fetch(ctx, source.Spec{
//		Name: "apps",
//		URL:  "https://git.example.com/config.git",
//		Ref:  source.Ref{Branch: "main"},
//		Auth: auth, // source.AuthFromSecretData(secret.Data)
//	}, source.DefaultOptions())
//	// co.Dir holds the files; co.Revision is "main@sha1:<hash>".
//
// Credentials come from a Secret's data (Flux's keys: username, password,
// bearerToken, identity, known_hosts, ca.crt); they never appear in errors,
// and credentials written into the URL are moved out of it before use.
// CommitAndPush writes back: it checks out a branch's head in the cached
// clone, lets an UpdateFunc change files, commits what changed and pushes
// without force, redoing the update on the new head when the branch moved
// (image automation uses it).
// The cache is bounded (least recently used entries are removed) and safe
// for concurrent use by several processes: each entry is guarded by a lock
// file. Trees shares one read-only checkout of a commit among the fetches
// of a process.
//
// The package also owns what a source is before it is fetched: a
// Declaration (repository, ref, path, Secret) read from the `kustomize`
// components of OAM Applications (FromApplications, ReadApplications), the
// check of a path in a repository (RepoPath, ErrOutsideRepository) and the
// CredentialsFunc that reads a Secret for Git, charts and images alike.
package source

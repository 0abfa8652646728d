// Package gitrepo fetches Git repositories: it clones a repository into
// a local cache keyed by URL (or fetches into the cached clone when it is
// already there), resolves a Ref (branch, tag, semver range over tags, or commit) to
// a commit, and writes that commit's tree into a work directory.
//
//	co, err := gitrepo.Fetch(ctx, gitrepo.Spec{
//		Name: "apps",
//		URL:  "https://git.example.com/config.git",
//		Ref:  gitrepo.Ref{Branch: "main"},
//		Auth: auth, // gitrepo.AuthFromSecretData(secret.Data)
//	}, gitrepo.DefaultOptions())
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
// It talks to Git servers only, never to a cluster, so the plugin and the
// render-application function (charts kept in Git) share it; what a
// source is before it is fetched belongs to plugin/source.
package gitrepo

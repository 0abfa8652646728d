// Package source owns what a source is before it is fetched: a
// Declaration (repository, ref, path, Secret, interval, decryption) read
// from the `kustomize` components of OAM Applications (FromApplications,
// ReadApplications), the check of a path in a repository (RepoPath,
// ErrOutsideRepository) and the one cycle rule of nested sources
// (CheckCycle). Fetching a declared source is remote/gitrepo's.
package source

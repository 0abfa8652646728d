// Package build turns a directory of a config repo into the objects it
// declares: kustomize in process when the directory has a kustomization,
// else every YAML file under it, then every OAM Application expanded in
// process with the render-application function.
//
// With Options.Root set to the repository's checkout, the build reads
// nothing outside it: a kustomization entry, a symlink or the directory
// itself that leads out fails with ErrOutsideRoot before anything there is
// read.
package build

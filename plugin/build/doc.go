// Package build turns a directory of a config repo into the objects it
// declares: kustomize in process when the directory has a kustomization,
// else every YAML file under it, then every OAM Application expanded in
// process with the render-application function.
//
// With Options.Root set to the repository's checkout, the build reads
// nothing outside it: a kustomization entry, a symlink or the directory
// itself that leads out fails with plugin/source's ErrOutsideRepository
// before anything there is read.
//
// With Options.Charts, `helm` components render from its chart cache: a
// render that misses a chart (or a valuesFrom object to read from the
// cluster) is followed by a fetch of what it missed and a new build, so
// the render itself stays pure; a chart that cannot be fetched fails the
// build with an error naming the component, the chart and its version.
//
// Built is the product of one source at one revision as every later step
// takes it (sync, diff, the watch loop): its objects, the repository file
// of each (Files), the Applications and definitions they rendered from.
package build

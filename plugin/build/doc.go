// Package build turns a directory of a config repo into the objects it
// declares: kustomize in process when the directory has a kustomization,
// else every YAML file under it, then every OAM Application expanded in
// process with the render-application function.
package build

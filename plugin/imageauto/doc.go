// Package imageauto is image update automation: it scans container
// registries for the images a source's policies follow, sets the newest
// tag at every `$imagepolicy` marker under the source's path, and commits
// and pushes the change to the source's branch.
//
// A source's policies are the imageRepository block of the kustomize
// component that declares it (KubeVela's form, as in the seed's
// clusters/apps.yaml; markers name it "<app namespace>:<app name>") and the
// Flux ImagePolicy objects in the source, with the ImageRepository each
// refers to (image.toolkit.fluxcd.io/v1 and v1beta2). An
// ImageUpdateAutomation in the source sets the commit template, author,
// push branch and update path.
//
//	srcs, err := imageauto.FromApplications(nodes, "default", "")
//	u := &imageauto.Updater{GitCredentials: creds, RegistryCredentials: regCreds,
//		Fetch: gitrepo.DefaultOptions(), Options: imageauto.DefaultOptions()}
//	res, err := u.Update(ctx, srcs[0]) // res.Commit, res.Changes, res.Message
//
// UpdateAll updates many sources at once, one repository per worker and
// the sources of one repository in turn, so a pass over 200 sources is
// not 200 fetches in a row and two updates never race for one branch.
//
// Tags are listed with go-containerregistry, every page, with credentials
// from a docker-registry Secret (KeychainFromSecretData) or the local docker
// config (LocalRegistryCredentials); they never appear in messages.
// Selection is krm/imagepolicy's, rewriting krm/setters' (only the marked
// values' bytes change). Nothing is written when any policy fails.
//
// Commit messages are Go text/template with sprig's hermetic functions
// over CommitData, which has both Flux data models (.Changed and the older
// .Updated). The first line is "Update image automatically." unless an
// ImageUpdateAutomation gives a whole template; an imageRepository block's
// commitMessage is appended after it, as KubeVela does.
//
// Pushes never force. When the branch moved between the fetch and the push
// (someone else pushed), the update is computed again on the new head and
// pushed again, a bounded number of times; a push that fails leaves the
// remote as it was, and the next Update redoes the work. Sources declared by
// the build of a source (nested sources) are not followed: give each
// source to Update.
package imageauto

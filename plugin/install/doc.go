// Package install holds what `kubectl gitops install` puts into a cluster
// for pull mode in the cluster, and puts it there: the Application
// CustomResourceDefinition (core.oam.dev/v1beta1, our own minimal schema
// with KubeVela's printer columns), a Namespace, a ServiceAccount, RBAC
// and the Deployment of the agent (`kubectl-gitops agent`).
//
// The manifests are embedded (manifests/*.yaml) and templated with
// Options: the namespace, the image and the RBAC mode. Objects renders
// them; Installer.Install applies them with server-side apply under the
// field manager kubectl-gitops (cluster-wide objects first) and waits for
// the CRD to be established, so Applications can be created right after.
// Installing again is a no-op.
//
// The CRD is refused when another installation owns it (KubeVela: other
// field managers, or no kubectl-gitops label) unless Options.Force: two
// controllers would act on the same Applications.
//
// Installer.Uninstall deletes what Install created, in reverse order; the
// CRD only with UninstallOptions.CRDs, since deleting it deletes every
// Application.
//
//	objs, err := install.Objects(install.DefaultOptions("v0.1.0"))
//	err = install.NewInstaller(cfg).Install(ctx, objs, install.Options{})
package install

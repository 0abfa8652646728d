// Package apppatch is the patch-application KRM function: it selects
// Applications by name and labels and patches their components and traits
// with KubeVela override-policy semantics (see krm/override), so
// per-environment overlays need no Kustomize patches. Values the patch does
// not change keep their YAML comments, so image setter markers survive.
package apppatch

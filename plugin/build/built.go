package build

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/plugin/decrypt"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

// Built is one source fetched at one revision and built: what a sync
// applies, and what watch keeps to sync again on its drift clock.
type Built struct {
	Source source.Declaration
	// Revision is the fetched commit, "main@sha1:<hash>".
	Revision string
	// Objects are the rendered objects, without the build's file
	// annotations.
	Objects []*unstructured.Unstructured
	// Files are the repository files of the objects.
	Files Files
	// Applications are the OAM Applications the objects were rendered
	// from; the inventory records their components' types and traits.
	Applications []*oam.Application
	// Definitions are the definitions the Applications rendered with, for
	// judging the health of the applied workloads; nil when the build
	// rendered nothing.
	Definitions *definition.Registry
	// Parent is the source whose build declared this one; nil for a
	// root. Its inventory is recorded in this one's, so `delete` finds
	// nested sources from the cluster alone.
	Parent *source.Declaration
	// Decrypter opened the source's SOPS files; messages about its objects
	// go through its RedactError. Nil when the walker decrypts nothing.
	Decrypter *decrypt.Decrypter
}

// Fetched is one source fetched alone, and built when its revision is new.
type Fetched struct {
	// Revision is the fetched commit, "main@sha1:<hash>".
	Revision string
	// Built is the build of Revision; nil when Revision is the one the
	// caller knew (nothing was built).
	Built *Built
	// Nested are the kustomize sources the build declares, not walked;
	// nil when nothing was built.
	Nested []source.Declaration
}

package build

import (
	"path/filepath"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/oamgitops/kubectl-gitops/plugin/decrypt"
)

// decryptingFS hands kustomize every SOPS file it reads decrypted, in
// memory: resources, patches and secretGenerator files alike, each as it
// is in Git, so its MAC holds before any transformation changes it.
type decryptingFS struct {
	filesys.FileSystem
	d *decrypt.Decrypter
	// base is what file names in errors are relative to.
	base string

	mu    sync.Mutex
	first error
}

func (f *decryptingFS) ReadFile(path string) ([]byte, error) {
	data, err := f.FileSystem.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out, err := f.d.File(relName(f.base, path), data)
	if err != nil {
		f.mu.Lock()
		if f.first == nil {
			f.first = err
		}
		f.mu.Unlock()
		return nil, err
	}
	return out, nil
}

// firstError is the first file that did not decrypt: kustomize's own
// message around it says less.
func (f *decryptingFS) firstError() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.first
}

// relName is path relative to base, slash separated, when it is under
// base; else path.
func relName(base, path string) string {
	if base == "" {
		return path
	}
	rel, err := filepath.Rel(base, path)
	if err != nil || rel == ".." || len(rel) > 2 && rel[:3] == "../" {
		return path
	}
	return filepath.ToSlash(rel)
}

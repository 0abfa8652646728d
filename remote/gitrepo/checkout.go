package gitrepo

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// writeTree writes commit's files into dir (a new temporary directory when
// dir is empty) and returns the directory. Submodules are left out.
func writeTree(commit *object.Commit, dir string) (string, error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "kubectl-gitops-source-")
		if err != nil {
			return "", err
		}
		dir = d
	} else if err := emptyDir(dir); err != nil {
		return "", err
	}
	tree, err := commit.Tree()
	if err != nil {
		return "", err
	}
	w := object.NewTreeWalker(tree, true, nil)
	defer w.Close()
	for {
		name, entry, err := w.Next()
		if errors.Is(err, io.EOF) {
			return dir, nil
		}
		if err != nil {
			return "", err
		}
		if !filepath.IsLocal(filepath.FromSlash(name)) {
			return "", fmt.Errorf("unsafe path %q in commit %s", name, commit.Hash)
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		switch entry.Mode {
		case filemode.Dir:
			err = os.MkdirAll(p, 0o755)
		case filemode.Submodule:
			continue
		case filemode.Symlink:
			err = writeSymlink(tree, name, p)
		case filemode.Regular, filemode.Deprecated, filemode.Executable:
			perm := os.FileMode(0o644)
			if entry.Mode == filemode.Executable {
				perm = 0o755
			}
			err = writeFile(tree, name, p, perm)
		default:
			err = fmt.Errorf("%s: unsupported file mode %s", name, entry.Mode)
		}
		if err != nil {
			return "", err
		}
	}
}

func writeFile(tree *object.Tree, name, p string, perm os.FileMode) error {
	f, err := tree.File(name)
	if err != nil {
		return err
	}
	r, err := f.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, r)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeSymlink recreates a symlink whose target stays inside the tree.
func writeSymlink(tree *object.Tree, name, p string) error {
	f, err := tree.File(name)
	if err != nil {
		return err
	}
	target, err := f.Contents()
	if err != nil {
		return err
	}
	if !filepath.IsLocal(filepath.FromSlash(path.Join(path.Dir(name), target))) || path.IsAbs(target) {
		return fmt.Errorf("%s: symlink to %q leaves the repository", name, target)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.Symlink(target, p)
}

// emptyDir creates dir or checks that it is empty.
func emptyDir(dir string) error {
	des, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if len(des) > 0 {
		return fmt.Errorf("work directory %s is not empty", dir)
	}
	return nil
}

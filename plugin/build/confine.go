package build

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

// confine decides which paths lie inside a root directory, with symlinks
// resolved, and remembers the first path it refused.
type confine struct {
	// abs is the root made absolute; root is abs with its symlinks
	// resolved.
	abs, root string

	mu      sync.Mutex
	refused error
}

func newConfine(root string) (*confine, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("build root %s: %w", root, err)
	}
	resolved, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("build root %s: %w", root, err)
	}
	return &confine{abs: abs, root: resolved}, nil
}

// check returns a source.ErrOutsideRepository error when p, cleaned and with the
// symlinks of its existing part resolved, is not root or under it.
func (c *confine) check(p string) error {
	abs, err := filepath.Abs(p)
	if err != nil {
		return err
	}
	lexical, inside := within(c.abs, abs)
	if l, ok := within(c.root, abs); !inside && ok {
		// kustomize passes paths it resolved itself, under the resolved root.
		lexical, inside = l, true
	}
	if !inside {
		return c.refuse(fmt.Errorf("path %s %w", lexical, source.ErrOutsideRepository))
	}
	resolved, err := resolve(abs)
	if err != nil {
		return err
	}
	if _, inside := within(c.root, resolved); !inside {
		return c.refuse(fmt.Errorf("path %s %w through a symlink", lexical, source.ErrOutsideRepository))
	}
	return nil
}

// within returns p relative to dir, slash separated, and whether it is dir
// or under it. Outside, it returns p relative to dir all the same when it
// can, else p.
func within(dir, p string) (string, bool) {
	rel, err := filepath.Rel(dir, p)
	if err != nil {
		return filepath.ToSlash(p), false
	}
	return filepath.ToSlash(rel), rel == "." || filepath.IsLocal(rel)
}

func (c *confine) refuse(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refused == nil {
		c.refused = err
	}
	return err
}

// firstRefusal returns the first path refused, or nil.
func (c *confine) firstRefusal() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.refused
}

// resolve returns abs with its symlinks resolved as far as the path
// exists (a dangling link is followed to its missing target; a missing
// part and what follows it are kept as written).
func resolve(abs string) (string, error) {
	const maxLinks = 255
	vol := filepath.VolumeName(abs)
	sep := string(filepath.Separator)
	done := vol + sep
	todo := strings.Split(abs[len(vol):], sep)
	for links := 0; len(todo) > 0; {
		name := todo[0]
		todo = todo[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			done = filepath.Dir(done)
			continue
		}
		next := filepath.Join(done, name)
		info, err := os.Lstat(next)
		if errors.Is(err, os.ErrNotExist) {
			return filepath.Join(append([]string{next}, todo...)...), nil
		}
		if err != nil {
			return "", err
		}
		if info.Mode()&os.ModeSymlink == 0 {
			done = next
			continue
		}
		if links++; links > maxLinks {
			return "", fmt.Errorf("%s: too many levels of symlinks", abs)
		}
		target, err := os.Readlink(next)
		if err != nil {
			return "", err
		}
		if filepath.IsAbs(target) {
			tvol := filepath.VolumeName(target)
			done, target = tvol+sep, target[len(tvol):]
		}
		todo = append(strings.Split(target, sep), todo...)
	}
	return done, nil
}

// confinedFS is a file system that reads only under a root: kustomize
// reading through it cannot follow a kustomization's `resources` or a
// symlink out of the repository. Writes and removals pass through
// (kustomize writes nothing; it removes its temporary clones).
type confinedFS struct {
	filesys.FileSystem
	c *confine
}

var _ filesys.FileSystem = (*confinedFS)(nil)

func (f *confinedFS) Open(path string) (filesys.File, error) {
	if err := f.c.check(path); err != nil {
		return nil, err
	}
	return f.FileSystem.Open(path)
}

func (f *confinedFS) IsDir(path string) bool {
	return f.c.check(path) == nil && f.FileSystem.IsDir(path)
}

func (f *confinedFS) ReadDir(path string) ([]string, error) {
	if err := f.c.check(path); err != nil {
		return nil, err
	}
	return f.FileSystem.ReadDir(path)
}

func (f *confinedFS) CleanedAbs(path string) (filesys.ConfirmedDir, string, error) {
	if err := f.c.check(path); err != nil {
		return "", "", err
	}
	return f.FileSystem.CleanedAbs(path)
}

func (f *confinedFS) Exists(path string) bool {
	return f.c.check(path) == nil && f.FileSystem.Exists(path)
}

func (f *confinedFS) Glob(pattern string) ([]string, error) {
	matches, err := f.FileSystem.Glob(pattern)
	if err != nil {
		return nil, err
	}
	for _, m := range matches {
		if err := f.c.check(m); err != nil {
			return nil, err
		}
	}
	return matches, nil
}

func (f *confinedFS) ReadFile(path string) ([]byte, error) {
	if err := f.c.check(path); err != nil {
		return nil, err
	}
	return f.FileSystem.ReadFile(path)
}

func (f *confinedFS) Walk(path string, walkFn filepath.WalkFunc) error {
	if err := f.c.check(path); err != nil {
		return err
	}
	return f.FileSystem.Walk(path, func(p string, info os.FileInfo, err error) error {
		if err == nil {
			err = f.c.check(p)
		}
		return walkFn(p, info, err)
	})
}

package setters

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DirOptions tune UpdateDir.
type DirOptions struct {
	// DryRun computes the changes without writing any file. Default false.
	DryRun bool
}

// DirResult is what UpdateDir did.
type DirResult struct {
	// Files are the rewritten files, relative to the root with forward
	// slashes, sorted.
	Files   []string
	Changes []Change
	Notes   []Note
}

// UpdateDir sets the marked scalars in every *.yaml, *.yml and
// Kustomization file under root (skipping .git), writing only the files
// that change, in place with their mode kept. Files that do not parse and
// dangling symlinks are skipped with a warning note. Symlinked files are
// not followed: one pointing outside root is skipped with a warning, one
// inside root is edited under its own path. A Go error means failed I/O.
func UpdateDir(root string, policies Policies, opts DirOptions) (DirResult, error) {
	var res DirResult
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if d.Name() == ".git" && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		if !wanted(d.Name()) {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if n := symlinkNote(root, path, rel); n != nil {
				res.Notes = append(res.Notes, *n)
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		r, err := SetBytes(rel, data, policies)
		if errors.Is(err, ErrNotYAML) {
			res.Notes = append(res.Notes, Note{Level: Warning, File: rel, Message: strings.TrimPrefix(err.Error(), rel+": ") + "; skipped"})
			return nil
		}
		if err != nil {
			return err
		}
		res.Changes = append(res.Changes, r.Changes...)
		res.Notes = append(res.Notes, r.Notes...)
		if len(r.Changes) == 0 {
			return nil
		}
		res.Files = append(res.Files, rel)
		if opts.DryRun {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, r.Data, info.Mode().Perm()); err != nil {
			return fmt.Errorf("writing %s: %w", rel, err)
		}
		return nil
	})
	sort.Strings(res.Files)
	return res, err
}

func wanted(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml" || name == "Kustomization"
}

// symlinkNote says why a symlinked file is not edited: a warning when it
// dangles or leaves root, a debug note when its target is edited anyway.
func symlinkNote(root, path, rel string) *Note {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return &Note{Level: Warning, File: rel, Message: "dangling symlink; skipped"}
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		realRoot = root
	}
	inside, err := filepath.Rel(realRoot, target)
	if err != nil || inside == ".." || strings.HasPrefix(inside, ".."+string(filepath.Separator)) {
		return &Note{Level: Warning, File: rel, Message: "symlink to a file outside the root; skipped"}
	}
	return &Note{Level: Debug, File: rel, Message: "symlink to " + filepath.ToSlash(inside) + ", which is edited under its own path; skipped"}
}

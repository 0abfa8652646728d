package source

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// ErrOutsideRepository means a path leads out of the repository it is
// read from: absolute, climbing out with "..", or through a symlink.
var ErrOutsideRepository = errors.New("leaves the repository")

// RepoPath checks a path in a repository and returns it cleaned, slash
// separated and relative to the repository root ("" for the root itself).
// A path that is absolute or climbs out of the repository is refused with
// ErrOutsideRepository, never clamped to the root.
func RepoPath(p string) (string, error) {
	s := filepath.ToSlash(p)
	if path.IsAbs(s) || filepath.IsAbs(p) || filepath.VolumeName(p) != "" {
		return "", fmt.Errorf("path %s %w: it is absolute; write it relative to the repository root (./apps)", p, ErrOutsideRepository)
	}
	c := path.Clean(s)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("path %s %w", p, ErrOutsideRepository)
	}
	if c == "." {
		return "", nil
	}
	return c, nil
}

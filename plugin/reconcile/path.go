package reconcile

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/oamgitops/kubectl-gitops/plugin/build"
)

// repoPath checks a source's path and returns it cleaned, slash separated
// and relative to the repository root ("" for the root itself). A path
// that is absolute or climbs out of the repository is refused with
// build.ErrOutsideRoot, never clamped to the root.
func repoPath(p string) (string, error) {
	s := filepath.ToSlash(p)
	if path.IsAbs(s) || filepath.IsAbs(p) || filepath.VolumeName(p) != "" {
		return "", fmt.Errorf("path %s %w: it is absolute; write it relative to the repository root (./apps)", p, build.ErrOutsideRoot)
	}
	c := path.Clean(s)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("path %s %w", p, build.ErrOutsideRoot)
	}
	if c == "." {
		return "", nil
	}
	return c, nil
}

// dirlessError is an error with a directory taken out of its message; it
// unwraps to the original, so errors.Is still sees what it wraps.
type dirlessError struct {
	msg string
	err error
}

func (e *dirlessError) Error() string { return e.msg }

func (e *dirlessError) Unwrap() error { return e.err }

// withoutDir takes dir (a checkout's temporary directory) out of err's
// message, leaving the paths in it relative to the repository.
func withoutDir(err error, dir string) error {
	return &dirlessError{msg: strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), ""), err: err}
}

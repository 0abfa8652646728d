package reconcile

import (
	"path/filepath"
	"strings"
)

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

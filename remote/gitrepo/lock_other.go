//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// errLocked means a non-waiting lock found the file held.
var errLocked = errors.New("cache entry is in use")

// lock is a lock file created exclusively and removed on unlock, for systems
// without flock. A crashed holder leaves the file behind; remove it by hand.
type lock struct{ path string }

func lockPath(ctx context.Context, path string, wait bool) (*lock, error) {
	path += ".held"
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			f.Close()
			return &lock{path: path}, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !wait {
			return nil, errLocked
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for cache lock: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (l *lock) current() bool {
	_, err := os.Stat(l.path)
	return err == nil
}

func (l *lock) unlock() { _ = os.Remove(l.path) }

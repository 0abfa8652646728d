//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// errLocked means a non-waiting lock found the file held.
var errLocked = errors.New("cache entry is in use")

type lock struct {
	f    *os.File
	path string
}

// lockPath takes an exclusive flock on path, waiting until ctx is done when
// wait is set.
func lockPath(ctx context.Context, path string, wait bool) (*lock, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return &lock{f: f, path: path}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !wait {
			f.Close()
			return nil, errLocked
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for cache lock: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// current reports whether the locked file is still the one at its path.
func (l *lock) current() bool {
	a, err1 := l.f.Stat()
	b, err2 := os.Stat(l.path)
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}

func (l *lock) unlock() {
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
}

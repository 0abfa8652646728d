package gitrepo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// cache is a directory of cached bare clones, one entry per URL:
//
//	<root>/<hash of URL>/lock      lock file guarding the entry
//	<root>/<hash of URL>/url       the URL, for people
//	<root>/<hash of URL>/repo.git  the bare clone; its mtime marks last use
type cache struct {
	root string
	max  int
}

func (c cache) entry(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(c.root, hex.EncodeToString(sum[:12]))
}

// acquire locks the entry for key, creating it, and marks it used. The
// returned release unlocks it.
func (c cache) acquire(ctx context.Context, key string) (string, func(), error) {
	dir := c.entry(key)
	for {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", nil, err
		}
		l, err := lockFile(ctx, filepath.Join(dir, "lock"), true)
		if err != nil {
			return "", nil, err
		}
		// prune may have removed the entry while we waited: then our lock
		// is on a deleted file and guards nothing, so start again.
		if !l.current() {
			l.unlock()
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, "url"), []byte(key+"\n"), 0o600); err != nil {
			l.unlock()
			return "", nil, err
		}
		return dir, l.unlock, nil
	}
}

// touch marks an entry as used now.
func touch(dir string) {
	now := time.Now()
	_ = os.Chtimes(filepath.Join(dir, "repo.git"), now, now)
}

// prune removes the least recently used entries beyond c.max, skipping keep
// and any entry another fetch holds.
func (c cache) prune(ctx context.Context, keep string) error {
	if c.max <= 0 {
		return nil
	}
	des, err := os.ReadDir(c.root)
	if err != nil {
		return err
	}
	type used struct {
		dir string
		at  time.Time
	}
	var entries []used
	for _, de := range des {
		if !de.IsDir() {
			continue
		}
		dir := filepath.Join(c.root, de.Name())
		at := time.Time{}
		if fi, err := os.Stat(filepath.Join(dir, "repo.git")); err == nil {
			at = fi.ModTime()
		}
		entries = append(entries, used{dir, at})
	}
	if len(entries) <= c.max {
		return nil
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].at.After(entries[j].at) })
	for _, e := range entries[c.max:] {
		if e.dir == keep {
			continue
		}
		l, err := lockFile(ctx, filepath.Join(e.dir, "lock"), false)
		if err != nil {
			continue // in use (or unreadable): leave it for a later prune
		}
		rerr := os.RemoveAll(e.dir)
		l.unlock()
		if rerr != nil {
			return fmt.Errorf("remove cache entry: %w", rerr)
		}
	}
	return nil
}

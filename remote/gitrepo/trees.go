package gitrepo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Trees shares the files of a commit among the fetches of one process that
// only read them: sources that differ in path alone (many Applications on
// one config repository) build from one checkout per commit instead of
// writing the repository out once each. A tree no fetch holds stays for
// the next one until more than Keep are idle; the oldest idle goes first.
// Trees is safe for concurrent use; Close removes every tree.
type Trees struct {
	// Keep is how many idle trees stay; zero means 8.
	Keep int

	mu     sync.Mutex
	root   string
	trees  map[string]*sharedTree
	idle   []string // commits nobody holds, the least recently released first
	closed bool
}

type sharedTree struct {
	ready chan struct{} // closed once written (or failed)
	dir   string
	err   error
	users int
}

// acquire returns the directory holding commit's files, writing it with
// write the first time, and a release for when the caller is done.
func (t *Trees) acquire(commit string, write func(dir string) error) (string, func(), error) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return "", nil, errors.New("the shared checkouts are closed")
	}
	if t.root == "" {
		root, err := os.MkdirTemp("", "kubectl-gitops-trees-")
		if err != nil {
			t.mu.Unlock()
			return "", nil, err
		}
		t.root, t.trees = root, map[string]*sharedTree{}
	}
	st, found := t.trees[commit]
	if !found {
		st = &sharedTree{ready: make(chan struct{}), dir: filepath.Join(t.root, commit)}
		t.trees[commit] = st
	}
	st.users++
	t.unidle(commit)
	t.mu.Unlock()

	if !found {
		st.err = write(st.dir)
		close(st.ready)
	}
	<-st.ready
	if st.err != nil {
		t.mu.Lock()
		st.users--
		if t.trees[commit] == st {
			delete(t.trees, commit) // the next fetch tries again
		}
		t.mu.Unlock()
		if !found {
			os.RemoveAll(st.dir)
		}
		return "", nil, st.err
	}
	var once sync.Once
	return st.dir, func() { once.Do(func() { t.release(commit, st) }) }, nil
}

func (t *Trees) release(commit string, st *sharedTree) {
	t.mu.Lock()
	defer t.mu.Unlock()
	st.users--
	if st.users > 0 || t.closed || t.trees[commit] != st {
		return
	}
	t.idle = append(t.idle, commit)
	keep := t.Keep
	if keep <= 0 {
		keep = 8
	}
	for len(t.idle) > keep {
		old := t.idle[0]
		t.idle = t.idle[1:]
		os.RemoveAll(t.trees[old].dir)
		delete(t.trees, old)
	}
}

// unidle takes commit off the idle list; t.mu is held.
func (t *Trees) unidle(commit string) {
	for i, c := range t.idle {
		if c == commit {
			t.idle = append(t.idle[:i], t.idle[i+1:]...)
			return
		}
	}
}

// Close removes every tree; a fetch holding one must not read it after.
func (t *Trees) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	if t.root == "" {
		return nil
	}
	if err := os.RemoveAll(t.root); err != nil {
		return fmt.Errorf("removing the shared checkouts: %w", err)
	}
	return nil
}

package gitrepo

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// writeCommit stores a commit whose tree is base's with c.Files replaced
// and returns its hash. Only the blobs of the changed files and the trees
// above them are new; every other entry keeps its hash and mode.
func writeCommit(s storer.EncodedObjectStorer, base plumbing.Hash, c *Commit) (plumbing.Hash, error) {
	if c.Author.Name == "" || c.Author.Email == "" {
		return plumbing.ZeroHash, errors.New("commit author name and email are required")
	}
	parent, err := object.GetCommit(s, base)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("commit %s: %w", base, err)
	}
	tree, err := parent.Tree()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	for p := range c.Files {
		if !fs.ValidPath(p) || p == "." {
			return plumbing.ZeroHash, fmt.Errorf("%q is not a path in the repository", p)
		}
	}
	treeHash, err := rewriteTree(s, tree, c.Files, "")
	if err != nil {
		return plumbing.ZeroHash, err
	}
	when := c.When
	if when.IsZero() {
		when = time.Now()
	}
	sig := object.Signature{Name: c.Author.Name, Email: c.Author.Email, When: when}
	commit := &object.Commit{Author: sig, Committer: sig, Message: c.Message, TreeHash: treeHash, ParentHashes: []plumbing.Hash{base}}
	obj := s.NewEncodedObject()
	if err := commit.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return s.SetEncodedObject(obj)
}

// rewriteTree stores tree with files (paths relative to it) replaced and
// returns the new tree's hash. dir is tree's path, for messages.
func rewriteTree(s storer.EncodedObjectStorer, tree *object.Tree, files map[string][]byte, dir string) (plumbing.Hash, error) {
	direct := map[string][]byte{}
	nested := map[string]map[string][]byte{}
	for p, data := range files {
		if first, rest, ok := strings.Cut(p, "/"); ok {
			if nested[first] == nil {
				nested[first] = map[string][]byte{}
			}
			nested[first][rest] = data
		} else {
			direct[p] = data
		}
	}
	entries := append([]object.TreeEntry(nil), tree.Entries...)
	for i, e := range entries {
		p := dir + e.Name
		if data, ok := direct[e.Name]; ok {
			delete(direct, e.Name)
			if e.Mode != filemode.Regular && e.Mode != filemode.Executable && e.Mode != filemode.Deprecated {
				return plumbing.ZeroHash, fmt.Errorf("%s: not a regular file in the commit (mode %s)", p, e.Mode)
			}
			h, err := writeBlob(s, data)
			if err != nil {
				return plumbing.ZeroHash, err
			}
			entries[i].Hash = h
		}
		if sub, ok := nested[e.Name]; ok {
			delete(nested, e.Name)
			if e.Mode != filemode.Dir {
				return plumbing.ZeroHash, fmt.Errorf("%s: not a directory in the commit", p)
			}
			subtree, err := object.GetTree(s, e.Hash)
			if err != nil {
				return plumbing.ZeroHash, fmt.Errorf("%s: %w", p, err)
			}
			h, err := rewriteTree(s, subtree, sub, p+"/")
			if err != nil {
				return plumbing.ZeroHash, err
			}
			entries[i].Hash = h
		}
	}
	var missing []string
	for name := range direct {
		missing = append(missing, dir+name)
	}
	for name := range nested {
		missing = append(missing, dir+name+"/")
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return plumbing.ZeroHash, fmt.Errorf("%s: not in the commit (only existing files can be changed)", strings.Join(missing, ", "))
	}
	obj := s.NewEncodedObject()
	if err := (&object.Tree{Entries: entries}).Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return s.SetEncodedObject(obj)
}

func writeBlob(s storer.EncodedObjectStorer, data []byte) (plumbing.Hash, error) {
	obj := s.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	obj.SetSize(int64(len(data)))
	w, err := obj.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		return plumbing.ZeroHash, err
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	return s.SetEncodedObject(obj)
}

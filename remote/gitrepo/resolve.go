package gitrepo

import (
	"errors"
	"fmt"

	"github.com/Masterminds/semver/v3"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// defaultBranch finds the branch the remote's HEAD points at.
func defaultBranch(refs []*plumbing.Reference) (string, error) {
	for _, r := range refs {
		if r.Name() == plumbing.HEAD && r.Type() == plumbing.SymbolicReference && r.Target().IsBranch() {
			return r.Target().Short(), nil
		}
	}
	return "", fmt.Errorf("%w: the remote does not say which branch is its default; set a branch", ErrRefNotFound)
}

// resolve finds the commit ref selects in the cached clone and the revision
// string that names it.
func resolve(repo *git.Repository, ref Ref) (*object.Commit, string, error) {
	switch {
	case ref.Commit != "":
		c, err := commitByHash(repo, ref.Commit)
		if err != nil {
			return nil, "", err
		}
		if ref.Branch == "" {
			return c, "sha1:" + c.Hash.String(), nil
		}
		head, err := branchCommit(repo, ref.Branch)
		if err != nil {
			return nil, "", err
		}
		if c.Hash != head.Hash {
			ok, err := c.IsAncestor(head)
			if err != nil {
				return nil, "", err
			}
			if !ok {
				return nil, "", fmt.Errorf("%w: commit %s is not on branch %s", ErrRefNotFound, ref.Commit, ref.Branch)
			}
		}
		return c, ref.Branch + "@sha1:" + c.Hash.String(), nil
	case ref.SemVer != "":
		tag, err := highestTag(repo, ref.SemVer)
		if err != nil {
			return nil, "", err
		}
		c, err := tagCommit(repo, tag)
		if err != nil {
			return nil, "", err
		}
		return c, tag + "@sha1:" + c.Hash.String(), nil
	case ref.Tag != "":
		c, err := tagCommit(repo, ref.Tag)
		if err != nil {
			return nil, "", err
		}
		return c, ref.Tag + "@sha1:" + c.Hash.String(), nil
	}
	c, err := branchCommit(repo, ref.Branch)
	if err != nil {
		return nil, "", err
	}
	return c, ref.Branch + "@sha1:" + c.Hash.String(), nil
}

func branchCommit(repo *git.Repository, branch string) (*object.Commit, error) {
	r, err := repo.Reference(plumbing.NewRemoteReferenceName(remoteName, branch), true)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return nil, fmt.Errorf("%w: branch %q", ErrRefNotFound, branch)
	}
	if err != nil {
		return nil, err
	}
	return repo.CommitObject(r.Hash())
}

// tagCommit peels tag (lightweight or annotated) to its commit.
func tagCommit(repo *git.Repository, tag string) (*object.Commit, error) {
	r, err := repo.Reference(plumbing.NewTagReferenceName(tag), true)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return nil, fmt.Errorf("%w: tag %q", ErrRefNotFound, tag)
	}
	if err != nil {
		return nil, err
	}
	if t, err := repo.TagObject(r.Hash()); err == nil {
		return t.Commit()
	}
	return repo.CommitObject(r.Hash())
}

func commitByHash(repo *git.Repository, hash string) (*object.Commit, error) {
	var h plumbing.Hash
	if len(hash) == 40 {
		h = plumbing.NewHash(hash)
	} else {
		p, err := repo.ResolveRevision(plumbing.Revision(hash))
		if err != nil {
			return nil, fmt.Errorf("%w: commit %s", ErrRefNotFound, hash)
		}
		h = *p
	}
	c, err := repo.CommitObject(h)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return nil, fmt.Errorf("%w: commit %s", ErrRefNotFound, hash)
	}
	return c, err
}

// highestTag returns the tag with the highest version satisfying the
// constraint; tags that are not versions are ignored. Among tags of equal
// version ("1.0.0", "v1.0.0") the name that sorts first wins.
func highestTag(repo *git.Repository, constraint string) (string, error) {
	con, err := semver.NewConstraint(constraint)
	if err != nil {
		return "", fmt.Errorf("%w: semver %q: %v", ErrInvalidRef, constraint, err)
	}
	tags, err := repo.Tags()
	if err != nil {
		return "", err
	}
	var best *semver.Version
	bestName := ""
	err = tags.ForEach(func(r *plumbing.Reference) error {
		name := r.Name().Short()
		v, err := semver.NewVersion(name)
		if err != nil || !con.Check(v) {
			return nil
		}
		if best == nil || v.GreaterThan(best) || v.Equal(best) && name < bestName {
			best, bestName = v, name
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if best == nil {
		return "", fmt.Errorf("%w: no tag satisfies semver %q", ErrRefNotFound, constraint)
	}
	return bestName, nil
}

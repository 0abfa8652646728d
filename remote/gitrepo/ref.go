package gitrepo

import (
	"errors"
	"fmt"

	"github.com/Masterminds/semver/v3"
)

// Ref selects the commit to check out. At most one of Branch, Tag and SemVer
// may be set; Commit may be set alone or with Branch (the commit must then
// be on that branch's history). The zero Ref means the remote's default
// branch (its HEAD).
type Ref struct {
	// Branch is a branch name, e.g. "main".
	Branch string `json:"branch,omitempty" yaml:"branch,omitempty"`
	// Tag is a tag name, e.g. "v1.2.0".
	Tag string `json:"tag,omitempty" yaml:"tag,omitempty"`
	// SemVer is a Masterminds/semver constraint, e.g. ">=1.0.0 <2.0.0"; the
	// highest tag that parses as a version and satisfies it is checked out.
	SemVer string `json:"semver,omitempty" yaml:"semver,omitempty"`
	// Commit is a commit hash (full, or an unambiguous prefix of at least 7
	// characters).
	Commit string `json:"commit,omitempty" yaml:"commit,omitempty"`
}

// ErrInvalidRef means a Ref sets conflicting or malformed fields.
var ErrInvalidRef = errors.New("invalid ref")

// Validate checks that the Ref's fields fit together.
func (r Ref) Validate() error {
	set := 0
	for _, v := range []string{r.Branch, r.Tag, r.SemVer} {
		if v != "" {
			set++
		}
	}
	switch {
	case set > 1:
		return fmt.Errorf("%w: set only one of branch, tag and semver", ErrInvalidRef)
	case r.Commit != "" && (r.Tag != "" || r.SemVer != ""):
		return fmt.Errorf("%w: commit can be combined with branch only", ErrInvalidRef)
	case r.Commit != "" && !isHex(r.Commit):
		return fmt.Errorf("%w: commit %q: want 7 to 40 hexadecimal digits", ErrInvalidRef, r.Commit)
	}
	if r.SemVer != "" {
		if _, err := semver.NewConstraint(r.SemVer); err != nil {
			return fmt.Errorf("%w: semver %q: %v", ErrInvalidRef, r.SemVer, err)
		}
	}
	return nil
}

// String describes the Ref for messages, e.g. "branch main".
func (r Ref) String() string {
	switch {
	case r.Commit != "" && r.Branch != "":
		return "commit " + r.Commit + " on branch " + r.Branch
	case r.Commit != "":
		return "commit " + r.Commit
	case r.SemVer != "":
		return "semver " + r.SemVer
	case r.Tag != "":
		return "tag " + r.Tag
	case r.Branch != "":
		return "branch " + r.Branch
	}
	return "default branch"
}

func isHex(s string) bool {
	if len(s) < 7 || len(s) > 40 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

package imagepolicy

import (
	"strings"

	"github.com/Masterminds/semver/v3"
)

// semver picks the highest version in range; candidates that are not
// versions are skipped. Among equal versions the earlier candidate wins.
// It also returns how many candidates were skipped.
func (s *Selector) semver(cands []candidate) (*candidate, int) {
	var best *candidate
	var bestVer *semver.Version
	skipped := 0
	for i := range cands {
		c := &cands[i]
		v, ok := ParseVersion(c.value)
		if !ok || !s.constraint.Check(v) {
			skipped++
			continue
		}
		if best == nil {
			best, bestVer = c, v
			continue
		}
		switch cmp := v.Compare(bestVer); {
		case cmp > 0, cmp == 0 && c.pos < best.pos:
			best, bestVer = c, v
		}
	}
	return best, skipped
}

// ParseVersion reads a strict semantic version MAJOR.MINOR.PATCH with
// optional -prerelease and +build parts and one optional leading "v".
// Numeric parts may be zero-padded ("2025.02.03"), as Flux v1 accepts.
// "1.5", "2", "1.2.4.1" and "V1.0.0" are not versions.
func ParseVersion(s string) (*semver.Version, bool) {
	t := strings.TrimPrefix(s, "v")
	rest := t
	var nums [3]string
	for i := range 2 {
		dot := strings.IndexByte(rest, '.')
		if dot < 0 {
			return nil, false
		}
		nums[i], rest = rest[:dot], rest[dot+1:]
	}
	end := strings.IndexAny(rest, "-+")
	if end < 0 {
		end = len(rest)
	}
	nums[2], rest = rest[:end], rest[end:]
	padded := false
	for i, n := range nums {
		if n == "" {
			return nil, false
		}
		for j := 0; j < len(n); j++ {
			if n[j] < '0' || n[j] > '9' {
				return nil, false
			}
		}
		if len(n) > 1 && n[0] == '0' {
			nums[i] = strings.TrimLeft(n, "0")
			if nums[i] == "" {
				nums[i] = "0"
			}
			padded = true
		}
	}
	if padded {
		t = nums[0] + "." + nums[1] + "." + nums[2] + rest
	}
	v, err := semver.StrictNewVersion(t)
	if err != nil {
		return nil, false
	}
	return v, true
}

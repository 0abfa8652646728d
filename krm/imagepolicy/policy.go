package imagepolicy

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Sentinel errors callers branch on.
var (
	// ErrInvalidPolicy: the policy cannot be used (no or several policy
	// kinds, a bad order, range or regular expression).
	ErrInvalidPolicy = errors.New("invalid image policy")
	// ErrNoTag: no tag is left to choose from.
	ErrNoTag = errors.New("no tag matched")
	// ErrNotNumeric: a numerical policy met a value that is not a number.
	ErrNotNumeric = errors.New("not a number")
)

// DefaultExclusionList is used when an exclusion list is absent or empty:
// cosign signature tags.
var DefaultExclusionList = []string{`^.*\.sig$`}

// Order is the direction of the alphabetical and numerical policies.
type Order string

// Orders.
const (
	// Asc picks the greatest value.
	Asc Order = "asc"
	// Desc picks the least value.
	Desc Order = "desc"
)

func (o Order) String() string { return string(o) }

// ParseOrder reads an order, case-insensitively; empty means Asc.
func ParseOrder(s string) (Order, error) {
	switch strings.ToLower(s) {
	case "", "asc":
		return Asc, nil
	case "desc":
		return Desc, nil
	}
	return "", fmt.Errorf("invalid order %q: expected asc or desc", s)
}

// Alphabetical orders values byte-wise.
type Alphabetical struct {
	Order string `json:"order,omitempty" yaml:"order,omitempty"`
}

// Numerical orders values as float64.
type Numerical struct {
	Order string `json:"order,omitempty" yaml:"order,omitempty"`
}

// SemVer picks the highest version in Range.
type SemVer struct {
	Range string `json:"range" yaml:"range"`
}

// Choice holds exactly one policy (Flux ImagePolicyChoice).
type Choice struct {
	Alphabetical *Alphabetical `json:"alphabetical,omitempty" yaml:"alphabetical,omitempty"`
	Numerical    *Numerical    `json:"numerical,omitempty" yaml:"numerical,omitempty"`
	SemVer       *SemVer       `json:"semver,omitempty" yaml:"semver,omitempty"`
}

// TagFilter keeps the tags matching Pattern (a Go regexp, unanchored) and,
// when Extract is set, orders them by regexp.ExpandString of Extract over
// the leftmost match.
type TagFilter struct {
	Pattern string `json:"pattern,omitempty" yaml:"pattern,omitempty"`
	Extract string `json:"extract,omitempty" yaml:"extract,omitempty"`
}

// Spec is everything that decides the selected tag.
type Spec struct {
	Policy     Choice     `json:"policy" yaml:"policy"`
	FilterTags *TagFilter `json:"filterTags,omitempty" yaml:"filterTags,omitempty"`
	// ExclusionList holds regexps of tags to drop first. Default (also when
	// empty) DefaultExclusionList.
	ExclusionList []string `json:"exclusionList,omitempty" yaml:"exclusionList,omitempty"`
}

// FieldError is a mistake in a Spec: the field path inside the spec and
// what is wrong. It matches ErrInvalidPolicy with errors.Is.
type FieldError struct {
	Field, Msg string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Unwrap returns ErrInvalidPolicy.
func (e *FieldError) Unwrap() error { return ErrInvalidPolicy }

func invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

type kind int

const (
	alphabetical kind = iota
	numerical
	semverKind
)

// Selector is a compiled Spec; it is safe for concurrent use.
type Selector struct {
	kind       kind
	order      Order
	constraint *semver.Constraints
	rangeText  string
	exclude    []*regexp.Regexp
	pattern    *regexp.Regexp
	extract    string
}

// Compile checks spec and prepares it for Select. Errors are *FieldError.
func Compile(spec Spec) (*Selector, error) {
	s := &Selector{}
	var kinds []string
	p := spec.Policy
	if p.Alphabetical != nil {
		kinds = append(kinds, "alphabetical")
	}
	if p.Numerical != nil {
		kinds = append(kinds, "numerical")
	}
	if p.SemVer != nil {
		kinds = append(kinds, "semver")
	}
	if len(kinds) != 1 {
		got := "none"
		if len(kinds) > 1 {
			got = strings.Join(kinds, ", ")
		}
		return nil, invalid("policy", "exactly one of alphabetical, numerical, semver is required, got %s", got)
	}
	var err error
	switch {
	case p.Alphabetical != nil:
		s.kind = alphabetical
		if s.order, err = ParseOrder(p.Alphabetical.Order); err != nil {
			return nil, invalid("policy.alphabetical.order", "%v", err)
		}
	case p.Numerical != nil:
		s.kind = numerical
		if s.order, err = ParseOrder(p.Numerical.Order); err != nil {
			return nil, invalid("policy.numerical.order", "%v", err)
		}
	default:
		s.kind = semverKind
		s.rangeText = p.SemVer.Range
		if s.constraint, err = semver.NewConstraint(p.SemVer.Range); err != nil {
			return nil, invalid("policy.semver.range", "invalid range %q: %v", p.SemVer.Range, err)
		}
	}
	exclusions := spec.ExclusionList
	if len(exclusions) == 0 {
		exclusions = DefaultExclusionList
	}
	for i, e := range exclusions {
		re, err := regexp.Compile(e)
		if err != nil {
			return nil, invalid(fmt.Sprintf("exclusionList[%d]", i), "invalid regular expression %q: %v", e, err)
		}
		s.exclude = append(s.exclude, re)
	}
	if f := spec.FilterTags; f != nil {
		if s.pattern, err = regexp.Compile(f.Pattern); err != nil {
			return nil, invalid("filterTags.pattern", "invalid regular expression %q: %v", f.Pattern, err)
		}
		s.extract = f.Extract
	}
	return s, nil
}

// Describe names the policy, e.g. `semver range "1.0.x"`.
func (s *Selector) Describe() string {
	switch s.kind {
	case alphabetical:
		return "alphabetical " + s.order.String()
	case numerical:
		return "numerical " + s.order.String()
	}
	return fmt.Sprintf("semver range %q", s.rangeText)
}

// candidate is a value to rank, the original tag it came from and that
// tag's position in the input.
type candidate struct {
	value, tag string
	pos        int
}

// Extract applies the exclusion list and filterTags to one tag and returns
// the value to rank, or false when the tag is dropped.
func (s *Selector) Extract(tag string) (string, bool) {
	v, st := s.extract1(tag)
	return v, st == kept
}

type fate int

const (
	kept fate = iota
	excluded
	filtered
)

func (s *Selector) extract1(tag string) (string, fate) {
	for _, re := range s.exclude {
		if re.MatchString(tag) {
			return "", excluded
		}
	}
	if s.pattern == nil {
		return tag, kept
	}
	if s.extract == "" {
		if !s.pattern.MatchString(tag) {
			return "", filtered
		}
		return tag, kept
	}
	m := s.pattern.FindStringSubmatchIndex(tag)
	if m == nil {
		return "", filtered
	}
	return string(s.pattern.ExpandString(nil, s.extract, tag, m)), kept
}

// Select returns the original tag the policy picks from tags. Errors wrap
// ErrNoTag or ErrNotNumeric.
func (s *Selector) Select(tags []string) (string, error) {
	cands := make([]candidate, 0, len(tags))
	var index map[string]int
	if s.extract != "" {
		index = make(map[string]int, len(tags))
	}
	var nExcluded, nFiltered int
	for i, tag := range tags {
		v, st := s.extract1(tag)
		switch st {
		case excluded:
			nExcluded++
			continue
		case filtered:
			nFiltered++
			continue
		}
		if index != nil {
			if j, ok := index[v]; ok {
				cands[j].tag, cands[j].pos = tag, i
				continue
			}
			index[v] = len(cands)
		}
		cands = append(cands, candidate{value: v, tag: tag, pos: i})
	}
	var best *candidate
	var err error
	nOut := 0
	switch s.kind {
	case alphabetical:
		best = s.alphabetical(cands)
	case numerical:
		best, err = s.numerical(cands)
	default:
		best, nOut = s.semver(cands)
	}
	if err != nil {
		return "", err
	}
	if best == nil {
		return "", s.noTag(len(tags), nExcluded, nFiltered, nOut)
	}
	return best.tag, nil
}

func (s *Selector) noTag(total, nExcluded, nFiltered, nOut int) error {
	if total == 0 {
		return fmt.Errorf("%w: the tag list is empty", ErrNoTag)
	}
	parts := []string{fmt.Sprintf("%d tag(s)", total)}
	if nExcluded > 0 {
		parts = append(parts, fmt.Sprintf("%d excluded by the exclusion list", nExcluded))
	}
	if nFiltered > 0 {
		parts = append(parts, fmt.Sprintf("%d not matching filterTags.pattern %q", nFiltered, s.pattern.String()))
	}
	if nOut > 0 {
		parts = append(parts, fmt.Sprintf("%d not a version in %s", nOut, s.Describe()))
	}
	return fmt.Errorf("%w %s: %s", ErrNoTag, s.Describe(), strings.Join(parts, "; "))
}

func (s *Selector) alphabetical(cands []candidate) *candidate {
	var best *candidate
	for i := range cands {
		c := &cands[i]
		if best == nil || (s.order == Asc && c.value >= best.value) || (s.order == Desc && c.value <= best.value) {
			best = c
		}
	}
	return best
}

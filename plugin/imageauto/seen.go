package imageauto

import "sync"

// Seen remembers the revision at which each source held no image policy,
// so that a loop's next pass, finding the same revision, skips it without
// a checkout: a fleet of sources without policies costs one Git fetch
// each per pass, not a tree written out and read. Safe for concurrent
// use; a nil Seen remembers nothing.
type Seen struct {
	mu   sync.Mutex
	revs map[string]string
}

// NewSeen returns an empty Seen.
func NewSeen() *Seen { return &Seen{revs: map[string]string{}} }

// seenKey is the source's namespace, repository, ref and path: only a
// source without an imageRepository block is remembered.
func seenKey(src Source) string { return src.Git.Namespace + "|" + src.Git.Key() }

// without is the revision at which src last held no policy; "" when
// unknown.
func (s *Seen) without(src Source) string {
	if s == nil || src.Declared != nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.revs[seenKey(src)]
}

// record notes what a look at src found: revision and whether it held a
// policy.
func (s *Seen) record(src Source, revision string, policies int) {
	if s == nil || src.Declared != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if policies == 0 && revision != "" {
		s.revs[seenKey(src)] = revision
	} else {
		delete(s.revs, seenKey(src))
	}
}

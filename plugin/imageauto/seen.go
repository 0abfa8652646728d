package imageauto

import "sync"

// Seen remembers the revision at which each source held no image policy,
// so that a loop's next pass, finding the same revision, skips it without
// a checkout: under UpdateAll a fleet of sources without policies in one
// repository costs one Git fetch per pass, not a fetch and a tree written
// out for each. Safe for concurrent use; a nil Seen remembers nothing.
type Seen struct {
	mu   sync.Mutex
	revs map[string]string
}

// NewSeen returns an empty Seen.
func NewSeen() *Seen { return &Seen{revs: map[string]string{}} }

// pass is what one UpdateAll fetched of one repository: the revision
// each ref resolved to. Its sources are updated in turn by one worker, so
// it needs no lock; a nil pass records nothing.
type pass map[string]string

// seenKey is the source's namespace, repository, ref and path: only a
// source without an imageRepository block is remembered.
func seenKey(src Source) string { return src.Git.Namespace + "|" + src.Git.Key() }

// unchanged reports whether src needs no look this pass: its ref was
// fetched this pass at the revision seen has it without a policy at.
func (p pass) unchanged(seen *Seen, src Source) (string, bool) {
	rev, ok := p[src.Git.Ref.String()]
	without := seen.without(src)
	return rev, ok && without != "" && rev == without
}

// fetched notes the revision src's ref resolved to; "" forgets it (the
// branch moved).
func (p pass) fetched(src Source, revision string) {
	if p == nil {
		return
	}
	if revision == "" {
		delete(p, src.Git.Ref.String())
		return
	}
	p[src.Git.Ref.String()] = revision
}

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

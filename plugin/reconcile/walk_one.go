package reconcile

import (
	"context"
	"errors"

	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

// errUnchanged means a fetch found the revision the caller already has.
var errUnchanged = errors.New("revision unchanged")

// Fetched is one source fetched alone, and built when its revision is new.
type Fetched struct {
	// Revision is the fetched commit, "main@sha1:<hash>".
	Revision string
	// Built is the build of Revision; nil when Revision is the one the
	// caller knew (nothing was built).
	Built *Built
	// Nested are the kustomize sources the build declares, not walked;
	// nil when nothing was built.
	Nested []source.Declaration
}

// FetchOne fetches s and, unless the fetched revision is known, builds it,
// returning the sources its build declares instead of walking them: the
// caller (`watch`) schedules each source on its own. An empty known always
// builds. Fetching an unchanged revision is cheap when the cache holds the
// commit, and prints no progress.
func (w *Walker) FetchOne(ctx context.Context, s source.Declaration, known string) (*Fetched, error) {
	b, nested, err := w.one(ctx, s, known)
	if errors.Is(err, errUnchanged) {
		return &Fetched{Revision: b.Revision}, nil
	}
	if err != nil {
		return nil, err
	}
	return &Fetched{Revision: b.Revision, Built: b, Nested: nested}, nil
}

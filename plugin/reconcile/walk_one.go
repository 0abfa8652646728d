package reconcile

import (
	"context"
	"errors"

	"github.com/oamgitops/kubectl-gitops/plugin/build"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

// errUnchanged means a fetch found the revision the caller already has.
var errUnchanged = errors.New("revision unchanged")

// FetchOne fetches s and, unless the fetched revision is known, builds it,
// returning the sources its build declares instead of walking them: the
// caller (`watch`) schedules each source on its own. An empty known always
// builds. Fetching an unchanged revision is cheap when the cache holds the
// commit, and prints no progress.
func (w *Walker) FetchOne(ctx context.Context, s source.Declaration, known string) (*build.Fetched, error) {
	b, nested, err := w.one(ctx, s, known)
	if errors.Is(err, errUnchanged) {
		return &build.Fetched{Revision: b.Revision}, nil
	}
	if err != nil {
		return nil, err
	}
	return &build.Fetched{Revision: b.Revision, Built: b, Nested: nested}, nil
}

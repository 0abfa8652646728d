package charts

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/oamgitops/kubectl-gitops/krm/helm"
)

// Session is the helm.Source of one build: it answers from the cache,
// records what renders missed, and after Fetch answers with what the fetch
// got or the error it met. Safe for concurrent use (renders run in
// parallel).
type Session struct {
	p      *Provider
	mu     sync.Mutex
	charts map[helm.ChartRef]*entry
	values map[helm.ValuesRef]*valuesEntry
}

var _ helm.Source = (*Session)(nil)

// entry is what a session knows of one chart: that a render missed it,
// and once Fetch tried it, how that went.
type entry struct {
	tried bool
	err   error
}

type valuesEntry struct {
	tried bool
	data  map[string]string
	err   error
}

// Chart implements helm.Source.
func (s *Session) Chart(ref helm.ChartRef) ([]byte, error) {
	s.mu.Lock()
	e := s.charts[ref]
	s.mu.Unlock()
	if e != nil && e.tried && e.err != nil {
		return nil, e.err
	}
	network := s.p.opts.AllowNetwork && (e == nil || !e.tried)
	if network && floating(ref) && !s.p.fresh(ref) {
		s.missChart(ref)
		return nil, fmt.Errorf("the repository is to be asked which version matches: %w", helm.ErrNotAvailable)
	}
	data, err := s.p.cached(ref)
	switch {
	case err == nil:
		return data, nil
	case !errors.Is(err, helm.ErrNotAvailable):
		return nil, err
	case network:
		s.missChart(ref)
		return nil, err
	case !s.p.opts.AllowNetwork:
		return nil, fmt.Errorf("%v; this render may not fetch it (allowNetwork is off): render with kubectl gitops once to fill the cache %s, or allow the network: %w",
			withoutSentinel(err), s.p.opts.Dir, helm.ErrNotAvailable)
	}
	return nil, err
}

// Values implements helm.Source.
func (s *Session) Values(ref helm.ValuesRef) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.values[ref]; e != nil && e.tried {
		return e.data, e.err
	}
	if s.p.opts.Values == nil {
		return nil, fmt.Errorf("not among the rendered objects, and there is no cluster to read it from: %w", helm.ErrNotFound)
	}
	s.values[ref] = &valuesEntry{}
	return nil, fmt.Errorf("to be read from the cluster: %w", helm.ErrNotAvailable)
}

func (s *Session) missChart(ref helm.ChartRef) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.charts[ref] == nil {
		s.charts[ref] = &entry{}
	}
}

// Fetch fetches what renders missed since the last Fetch and reports
// whether it tried anything: when it did, render again. A chart or object
// that cannot be fetched is not an error here: the next render meets it
// as that chart's or object's error. Fetch fails only when ctx ends.
func (s *Session) Fetch(ctx context.Context) (bool, error) {
	s.mu.Lock()
	var charts []helm.ChartRef
	for ref, e := range s.charts {
		if !e.tried {
			charts = append(charts, ref)
		}
	}
	var values []helm.ValuesRef
	for ref, e := range s.values {
		if !e.tried {
			values = append(values, ref)
		}
	}
	s.mu.Unlock()
	sort.Slice(charts, func(i, j int) bool { return charts[i].String() < charts[j].String() })
	sort.Slice(values, func(i, j int) bool { return values[i].String() < values[j].String() })
	for _, ref := range charts {
		err := s.p.fetch(ctx, ref)
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if err != nil && floating(ref) {
			// The repository could not be asked: what it said last still
			// answers, as a Flux source keeps its last artifact.
			if _, cerr := s.p.cached(ref); cerr == nil {
				s.p.progress("%s: %v; using the cached index", ref, err)
				err = nil
			}
		}
		s.mu.Lock()
		s.charts[ref] = &entry{tried: true, err: err}
		s.mu.Unlock()
	}
	for _, ref := range values {
		data, err := s.p.opts.Values(ctx, ref)
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		s.mu.Lock()
		s.values[ref] = &valuesEntry{tried: true, data: data, err: err}
		s.mu.Unlock()
	}
	return len(charts)+len(values) > 0, nil
}

// withoutSentinel drops the trailing ": not available" of a lookup error
// that is wrapped again.
func withoutSentinel(err error) string {
	msg := err.Error()
	suffix := ": " + helm.ErrNotAvailable.Error()
	if len(msg) > len(suffix) && msg[len(msg)-len(suffix):] == suffix {
		return msg[:len(msg)-len(suffix)]
	}
	return msg
}

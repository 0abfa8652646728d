package apply

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/ssa"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// prune deletes the members of the previous set that are not in applied
// (the entries of this apply), in reverse dependency order, skipping those
// annotated `oamgitops.dev/prune: disabled`, which it returns: they stay
// members.
func (a *Applier) prune(ctx context.Context, s *applySet, prev previousSet, applied *ssa.ChangeSet, opts ApplyOptions) ([]*unstructured.Unstructured, error) {
	if !prev.exists {
		return nil, nil
	}
	keep := map[objKey]bool{}
	for _, e := range applied.Entries {
		keep[objKey{Group: e.ObjMetadata.GroupKind.Group, Kind: e.ObjMetadata.GroupKind.Kind,
			Namespace: e.ObjMetadata.Namespace, Name: e.ObjMetadata.Name}] = true
	}
	stale, kept, err := a.staleMembers(ctx, s, prev, keep)
	if err != nil {
		return nil, err
	}
	for _, m := range kept {
		applied.Add(ssa.ChangeSetEntry{ObjMetadata: object.UnstructuredToObjMetadata(m),
			GroupVersion: m.GroupVersionKind().Version, Subject: subject(m), Action: ssa.SkippedAction})
	}
	if len(stale) == 0 {
		return kept, nil
	}
	cs, err := a.deleteInWaves(ctx, stale, ssa.WaitOptions{Interval: opts.PollInterval, Timeout: opts.WaveTimeout})
	applied.Append(cs.Entries)
	if err != nil {
		return kept, fmt.Errorf("prune: %w", err)
	}
	return kept, nil
}

// staleMembers are the members of the previous set not in keep: those to
// delete, and those kept because their pruning is disabled. Apply prunes
// them and Diff shows them, so the two never disagree.
func (a *Applier) staleMembers(ctx context.Context, s *applySet, prev previousSet, keep map[objKey]bool) (stale, kept []*unstructured.Unstructured, err error) {
	if !prev.exists {
		return nil, nil, nil
	}
	for _, gk := range sortedGroupKinds(prev.groupKinds) {
		members, err := a.listMembers(ctx, s, gk, prev.namespaces)
		if err != nil {
			return nil, nil, err
		}
		for _, m := range members {
			switch {
			case keep[keyOf(m)]:
			case m.GetAnnotations()[PruneAnnotation] == PruneDisabled:
				kept = append(kept, m)
			default:
				stale = append(stale, m)
			}
		}
	}
	return stale, kept, nil
}

// listMembers lists the objects of kind gk labelled as members of s, in
// the given namespaces (or cluster-wide for a cluster-scoped kind).
func (a *Applier) listMembers(ctx context.Context, s *applySet, gk schema.GroupKind, namespaces map[string]bool) ([]*unstructured.Unstructured, error) {
	mapping, err := a.client.RESTMapper().RESTMapping(gk)
	if meta.IsNoMatchError(err) {
		return nil, nil // the kind is gone (its CRD was deleted): so are its objects
	}
	if err != nil {
		return nil, fmt.Errorf("prune: %s: %w", gk, err)
	}
	scopes := []string{""}
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		scopes = slices.Sorted(maps.Keys(namespaces))
	}
	var out []*unstructured.Unstructured
	for _, ns := range scopes {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(mapping.GroupVersionKind.GroupVersion().WithKind(gk.Kind + "List"))
		opts := []client.ListOption{client.MatchingLabels{ApplySetPartOfLabel: s.id}}
		if ns != "" {
			opts = append(opts, client.InNamespace(ns))
		}
		if err := a.client.List(ctx, list, opts...); err != nil {
			return nil, fmt.Errorf("prune: list %s in %q: %w", gk, ns, err)
		}
		for i := range list.Items {
			out = append(out, &list.Items[i])
		}
	}
	return out, nil
}

func sortedGroupKinds(set map[schema.GroupKind]bool) []schema.GroupKind {
	out := make([]schema.GroupKind, 0, len(set))
	for gk := range set {
		out = append(out, gk)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

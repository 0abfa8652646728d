package apply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/ssa"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// applyObjects applies objects, sending no write request for those that are
// unchanged (see doc.go) and leaving drift detection of the others to ssa.
func (a *Applier) applyObjects(ctx context.Context, objects []*unstructured.Unstructured) (*ssa.ChangeSet, error) {
	changes := ssa.NewChangeSet()
	for _, obj := range objects {
		if err := setHash(obj); err != nil {
			return changes, err
		}
	}
	live, errs := a.readLive(ctx, objects)
	var rest []*unstructured.Unstructured
	for i, obj := range objects {
		same, err := unchanged(obj, live[i], errs[i])
		if err != nil {
			return changes, err
		}
		if same {
			changes.Add(ssa.ChangeSetEntry{
				ObjMetadata:  object.UnstructuredToObjMetadata(obj),
				GroupVersion: obj.GroupVersionKind().Version,
				Subject:      subject(obj),
				Action:       ssa.UnchangedAction,
			})
			continue
		}
		rest = append(rest, obj)
	}
	if len(rest) == 0 {
		return changes, nil
	}
	cs, err := a.manager.ApplyAll(ctx, rest, ssa.DefaultApplyOptions())
	if cs != nil {
		changes.Append(cs.Entries)
	}
	return changes, err
}

// setHash records in obj the hash of obj without that annotation.
func setHash(obj *unstructured.Unstructured) error {
	anns := obj.GetAnnotations()
	delete(anns, HashAnnotation)
	if len(anns) == 0 {
		anns = nil // no empty annotations map: it would change the hash
	}
	obj.SetAnnotations(anns)
	data, err := json.Marshal(obj.Object) // map keys are sorted: stable
	if err != nil {
		return fmt.Errorf("%s: %w", subject(obj), err)
	}
	sum := sha256.Sum256(data)
	if anns == nil {
		anns = map[string]string{}
	}
	anns[HashAnnotation] = hex.EncodeToString(sum[:16])
	obj.SetAnnotations(anns)
	return nil
}

// unchanged reports whether the live object was last applied from the same
// desired state (same hash) and still holds every desired value, so applying
// it again would change nothing.
// live is the object as read, or nil with err saying why.
func unchanged(obj, live *unstructured.Unstructured, err error) (bool, error) {
	if err != nil {
		// Not found, or a kind the cluster does not know yet (a CRD of
		// this apply): ssa applies or reports it.
		if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
			return false, nil
		}
		return false, fmt.Errorf("%s: %w", subject(obj), err)
	}
	if live.GetAnnotations()[HashAnnotation] != obj.GetAnnotations()[HashAnnotation] {
		return false, nil
	}
	for key, want := range obj.Object {
		if key == "status" {
			continue // not applied through the main resource
		}
		if !contains(want, live.Object[key]) {
			return false, nil
		}
	}
	return true, nil
}

// contains reports whether got holds every value of want: maps may have
// more keys, lists must have the same length, numbers compare by value.
func contains(want, got any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			if !contains(wv, g[k]) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !contains(w[i], g[i]) {
				return false
			}
		}
		return true
	case nil:
		return got == nil
	}
	if wn, ok := number(want); ok {
		gn, ok := number(got)
		return ok && wn == gn
	}
	return want == got
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

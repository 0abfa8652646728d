package apply

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/fluxcd/pkg/ssa"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	sigsyaml "sigs.k8s.io/yaml"
)

// Mask replaces every value of a Secret's data and stringData in diffs.
const Mask = "***"

// ObjectDiff is what an Apply would do to one object.
type ObjectDiff struct {
	// Source names the source of the object (set by the caller).
	Source string `json:"source,omitempty"`
	// Subject is Kind/namespace/name.
	Subject string `json:"subject"`
	// Action is ssa.CreatedAction, ssa.ConfiguredAction or
	// ssa.DeletedAction (pruned).
	Action ssa.Action `json:"action"`
	// Diff is a unified diff from the live object to the one an Apply
	// would leave, Secret values masked.
	Diff string `json:"diff"`
}

// Diff says what Apply with the same objects and options would do, with
// server-side dry-runs and without changing anything: the objects it
// would create or configure, then (with opts.Prune) the members of the
// previous set it would prune, found as Apply finds them. Unchanged
// objects are left out. Only opts.Inventory, Prune and AllowEmpty matter.
func (a *Applier) Diff(ctx context.Context, objects []*unstructured.Unstructured, opts ApplyOptions) ([]ObjectDiff, error) {
	if err := opts.Inventory.validate(); err != nil {
		return nil, err
	}
	set, objects, err := a.newSet(objects, opts)
	if err != nil {
		return nil, err
	}
	var out []ObjectDiff
	for _, obj := range objects {
		od, err := a.diffOne(ctx, obj, objects)
		if err != nil {
			return out, err
		}
		if od != nil {
			out = append(out, *od)
		}
	}
	if !opts.Prune {
		return out, nil
	}
	prev, err := a.readParent(ctx, set)
	if err != nil {
		return out, err
	}
	keep := map[objKey]bool{}
	for _, obj := range objects {
		keep[keyOf(obj)] = true
	}
	stale, _, err := a.staleMembers(ctx, set, prev, keep)
	if err != nil {
		return out, err
	}
	sort.Slice(stale, func(i, j int) bool { return subject(stale[i]) < subject(stale[j]) })
	for _, obj := range stale {
		out = append(out, ObjectDiff{Subject: subject(obj), Action: ssa.DeletedAction,
			Diff: unifiedDiff("live "+subject(obj), "(pruned)", toYAML(forDiff(obj)), "", 3)})
	}
	return out, nil
}

// diffOne diffs one object. The live object's applied-hash annotation is
// carried over: the hash is bookkeeping of the applier, not content.
func (a *Applier) diffOne(ctx context.Context, obj *unstructured.Unstructured, all []*unstructured.Unstructured) (*ObjectDiff, error) {
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(obj.GroupVersionKind())
	err := a.client.Get(ctx, client.ObjectKeyFromObject(obj), live)
	switch {
	case err == nil:
		if h, ok := live.GetAnnotations()[HashAnnotation]; ok {
			anns := obj.GetAnnotations()
			if anns == nil {
				anns = map[string]string{}
			}
			anns[HashAnnotation] = h
			obj.SetAnnotations(anns)
		}
	case apierrors.IsNotFound(err), meta.IsNoMatchError(err):
	default:
		return nil, fmt.Errorf("%s: %w", subject(obj), err)
	}
	created := func() *ObjectDiff {
		return &ObjectDiff{Subject: subject(obj), Action: ssa.CreatedAction,
			Diff: unifiedDiff("(absent)", "source "+subject(obj), "", toYAML(forDiff(obj)), 3)}
	}
	entry, existing, merged, err := a.manager.Diff(ctx, obj, ssa.DefaultDiffOptions())
	if err != nil {
		// A kind whose CRD, or a namespace that, the same apply creates.
		if meta.IsNoMatchError(err) && definesKind(all, obj.GroupVersionKind().GroupKind()) ||
			apierrors.IsNotFound(err) && createsNamespace(all, obj.GetNamespace()) {
			return created(), nil
		}
		return nil, fmt.Errorf("%s: dry-run: %w", subject(obj), err)
	}
	switch entry.Action {
	case ssa.CreatedAction:
		return created(), nil
	case ssa.ConfiguredAction:
		text := unifiedDiff("live "+subject(obj), "source "+subject(obj), toYAML(forDiff(existing)), toYAML(forDiff(merged)), 3)
		if text == "" {
			return nil, nil // only server-managed fields differ
		}
		return &ObjectDiff{Subject: subject(obj), Action: ssa.ConfiguredAction, Diff: text}, nil
	}
	return nil, nil
}

// forDiff drops what the server manages and masks Secret values.
func forDiff(obj *unstructured.Unstructured) *unstructured.Unstructured {
	o := obj.DeepCopy()
	for _, f := range []string{"resourceVersion", "generation", "uid", "creationTimestamp", "managedFields"} {
		unstructured.RemoveNestedField(o.Object, "metadata", f)
	}
	unstructured.RemoveNestedField(o.Object, "status")
	if o.GroupVersionKind().GroupKind() == (schema.GroupKind{Kind: "Secret"}) {
		for _, field := range []string{"data", "stringData"} {
			m, ok, _ := unstructured.NestedMap(o.Object, field)
			if !ok {
				continue
			}
			for k, v := range m {
				if s, ok := v.(string); !ok || !strings.HasPrefix(s, Mask) {
					m[k] = Mask // values ssa masked already say before/after
				}
			}
			_ = unstructured.SetNestedMap(o.Object, m, field)
		}
	}
	return o
}

func toYAML(obj *unstructured.Unstructured) string {
	data, err := sigsyaml.Marshal(obj.Object)
	if err != nil {
		return fmt.Sprintf("# %v\n", err)
	}
	return string(data)
}

// definesKind says whether objects hold the CRD of gk.
func definesKind(objects []*unstructured.Unstructured, gk schema.GroupKind) bool {
	for _, o := range objects {
		if o.GetKind() == "CustomResourceDefinition" && o.GroupVersionKind().Group == "apiextensions.k8s.io" {
			group, _, _ := unstructured.NestedString(o.Object, "spec", "group")
			kind, _, _ := unstructured.NestedString(o.Object, "spec", "names", "kind")
			if group == gk.Group && kind == gk.Kind {
				return true
			}
		}
	}
	return false
}

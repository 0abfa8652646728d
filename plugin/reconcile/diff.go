package reconcile

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling"
	"github.com/fluxcd/pkg/ssa"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
)

// Mask replaces every value of a Secret's data and stringData in diffs.
const Mask = "***"

// ObjectDiff is what a sync would do to one object.
type ObjectDiff struct {
	// Source names the source of the object (set by the caller).
	Source string `json:"source,omitempty"`
	// Subject is Kind/namespace/name.
	Subject string `json:"subject"`
	// Action is ssa.CreatedAction, ssa.ConfiguredAction or
	// ssa.DeletedAction (pruned).
	Action ssa.Action `json:"action"`
	// Diff is a unified diff from the live object to the one a sync
	// would leave, Secret values masked.
	Diff string `json:"diff"`
}

// Differ computes server-side dry-run diffs against one cluster.
type Differ struct {
	client  client.Client
	manager *ssa.ResourceManager
}

// NewDiffer connects to the cluster of cfg.
func NewDiffer(cfg *rest.Config) (*Differ, error) {
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster client: %w", err)
	}
	mapper, err := apiutil.NewDynamicRESTMapper(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("cluster client: %w", err)
	}
	c, err := client.New(cfg, client.Options{HTTPClient: httpClient, Mapper: mapper})
	if err != nil {
		return nil, fmt.Errorf("cluster client: %w", err)
	}
	poller := polling.NewStatusPoller(c, mapper, polling.Options{})
	return &Differ{client: c, manager: ssa.NewResourceManager(c, poller, ssa.Owner{Field: apply.FieldManager, Group: "oamgitops.dev"})}, nil
}

// Diff compares objects, as a sync with inventory inv would apply them,
// with the cluster, and lists the members of the inventory's previous set
// that the sync would prune (when prune is true). Unchanged objects are
// left out.
func (d *Differ) Diff(ctx context.Context, objects []*unstructured.Unstructured, inv apply.Inventory, prune bool) ([]ObjectDiff, error) {
	id := apply.ApplySetID(inv)
	var out []ObjectDiff
	want := map[string]bool{}
	for _, o := range objects {
		obj := o.DeepCopy()
		labels := obj.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		labels[apply.ApplySetPartOfLabel] = id
		obj.SetLabels(labels)
		want[key(obj)] = true
		od, err := d.one(ctx, obj, objects)
		if err != nil {
			return out, err
		}
		if od != nil {
			out = append(out, *od)
		}
	}
	if !prune {
		return out, nil
	}
	stale, err := d.stale(ctx, inv, id, want)
	if err != nil {
		return out, err
	}
	for _, obj := range stale {
		out = append(out, ObjectDiff{Subject: subject(obj), Action: ssa.DeletedAction,
			Diff: unifiedDiff("live "+subject(obj), "(pruned)", toYAML(forDiff(obj)), "", 3)})
	}
	return out, nil
}

// one diffs one object. The live object's applied-hash annotation is
// carried over: the hash is bookkeeping of the applier, not content.
func (d *Differ) one(ctx context.Context, obj *unstructured.Unstructured, all []*unstructured.Unstructured) (*ObjectDiff, error) {
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(obj.GroupVersionKind())
	err := d.client.Get(ctx, client.ObjectKeyFromObject(obj), live)
	switch {
	case err == nil:
		if h, ok := live.GetAnnotations()[apply.HashAnnotation]; ok {
			anns := obj.GetAnnotations()
			if anns == nil {
				anns = map[string]string{}
			}
			anns[apply.HashAnnotation] = h
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
	entry, existing, merged, err := d.manager.Diff(ctx, obj, ssa.DefaultDiffOptions())
	if err != nil {
		// A kind whose CRD, or a namespace that, the same sync creates.
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

// stale lists the members of the inventory's previous set not in want,
// except those whose pruning is disabled.
func (d *Differ) stale(ctx context.Context, inv apply.Inventory, id string, want map[string]bool) ([]*unstructured.Unstructured, error) {
	parent := &unstructured.Unstructured{}
	parent.SetAPIVersion("v1")
	parent.SetKind(inv.Kind)
	err := d.client.Get(ctx, client.ObjectKey{Namespace: inv.Namespace, Name: inv.Name}, parent)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("inventory %s %s/%s: %w", inv.Kind, inv.Namespace, inv.Name, err)
	}
	anns := parent.GetAnnotations()
	namespaces := append([]string{inv.Namespace}, splitList(anns[apply.ApplySetNamespacesAnnotation])...)
	var out []*unstructured.Unstructured
	for _, gkText := range splitList(anns[apply.ApplySetGroupKindsAnnotation]) {
		gk := schema.ParseGroupKind(gkText)
		mapping, err := d.client.RESTMapper().RESTMapping(gk)
		if meta.IsNoMatchError(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("inventory: %s: %w", gk, err)
		}
		scopes := []string{""}
		if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
			scopes = namespaces
		}
		for _, ns := range scopes {
			list := &unstructured.UnstructuredList{}
			list.SetGroupVersionKind(mapping.GroupVersionKind.GroupVersion().WithKind(gk.Kind + "List"))
			opts := []client.ListOption{client.MatchingLabels{apply.ApplySetPartOfLabel: id}}
			if ns != "" {
				opts = append(opts, client.InNamespace(ns))
			}
			if err := d.client.List(ctx, list, opts...); err != nil {
				return nil, fmt.Errorf("inventory: list %s: %w", gk, err)
			}
			for i := range list.Items {
				m := &list.Items[i]
				if !want[key(m)] && m.GetAnnotations()[apply.PruneAnnotation] != apply.PruneDisabled {
					out = append(out, m)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return subject(out[i]) < subject(out[j]) })
	return out, nil
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

func key(obj *unstructured.Unstructured) string {
	return obj.GroupVersionKind().GroupKind().String() + "/" + obj.GetNamespace() + "/" + obj.GetName()
}

func subject(obj *unstructured.Unstructured) string {
	if obj.GetNamespace() == "" {
		return obj.GetKind() + "/" + obj.GetName()
	}
	return obj.GetKind() + "/" + obj.GetNamespace() + "/" + obj.GetName()
}

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

func createsNamespace(objects []*unstructured.Unstructured, ns string) bool {
	for _, o := range objects {
		if o.GetKind() == "Namespace" && o.GroupVersionKind().Group == "" && o.GetName() == ns {
			return true
		}
	}
	return false
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

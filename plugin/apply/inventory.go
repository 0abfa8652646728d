package apply

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

// ApplySet label and annotation keys (KEP-3659, as kubectl reads them).
const (
	ApplySetIDLabel              = "applyset.kubernetes.io/id"
	ApplySetPartOfLabel          = "applyset.kubernetes.io/part-of"
	ApplySetToolingAnnotation    = "applyset.kubernetes.io/tooling"
	ApplySetGroupKindsAnnotation = "applyset.kubernetes.io/contains-group-kinds"
	ApplySetNamespacesAnnotation = "applyset.kubernetes.io/additional-namespaces"
)

// ApplySetID is the id of the ApplySet whose parent is inv:
// applyset-<base64url(sha256(<name>.<namespace>.<kind>.<group>))>-v1.
func ApplySetID(inv Inventory) string {
	// ConfigMap and Secret are in the core group, which is empty.
	sum := sha256.Sum256([]byte(strings.Join([]string{inv.Name, inv.Namespace, inv.Kind, ""}, ".")))
	return "applyset-" + base64.RawURLEncoding.EncodeToString(sum[:]) + "-v1"
}

// applySet is the ApplySet of one apply: its parent and the kinds and
// namespaces of its members.
type applySet struct {
	parent     Inventory
	id         string
	tooling    string
	groupKinds map[schema.GroupKind]bool
	namespaces map[string]bool
	// version is the parent's resourceVersion as this apply last saw it
	// (read, or after its own write); "" while there is no parent.
	version string
}

// previousSet is what the parent recorded before this apply.
type previousSet struct {
	exists     bool
	groupKinds map[schema.GroupKind]bool
	namespaces map[string]bool
	record     record
}

func newApplySet(inv Inventory, tooling string) *applySet {
	return &applySet{parent: inv, id: ApplySetID(inv), tooling: tooling,
		groupKinds: map[schema.GroupKind]bool{}, namespaces: map[string]bool{}}
}

func (s *applySet) parentGK() schema.GroupKind { return schema.GroupKind{Kind: s.parent.Kind} }

// addMember labels obj as a member and records its kind and namespace.
func (s *applySet) addMember(obj *unstructured.Unstructured) {
	labels := obj.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[ApplySetPartOfLabel] = s.id
	obj.SetLabels(labels)
	s.groupKinds[obj.GroupVersionKind().GroupKind()] = true
	if ns := obj.GetNamespace(); ns != "" {
		s.namespaces[ns] = true
	}
}

// readParent reads the parent's record, refusing a parent that belongs to
// another ApplySet or another tool.
func (a *Applier) readParent(ctx context.Context, s *applySet) (previousSet, error) {
	prev := previousSet{groupKinds: map[schema.GroupKind]bool{}, namespaces: map[string]bool{}}
	live := &unstructured.Unstructured{}
	live.SetAPIVersion("v1")
	live.SetKind(s.parent.Kind)
	err := a.client.Get(ctx, client.ObjectKey{Namespace: s.parent.Namespace, Name: s.parent.Name}, live)
	if apierrors.IsNotFound(err) {
		return prev, nil
	}
	if err != nil {
		return prev, fmt.Errorf("inventory %s: %w", s.parentName(), err)
	}
	prev.exists = true
	s.version = live.GetResourceVersion()
	if id := live.GetLabels()[ApplySetIDLabel]; id != s.id {
		return prev, fmt.Errorf("inventory %s: label %s is %q, want %q: it is not the parent of this source's ApplySet", s.parentName(), ApplySetIDLabel, id, s.id)
	}
	anns := live.GetAnnotations()
	if tool, _, _ := strings.Cut(anns[ApplySetToolingAnnotation], "/"); tool != FieldManager {
		return prev, fmt.Errorf("inventory %s: ApplySet is managed by %q, not %s", s.parentName(), anns[ApplySetToolingAnnotation], FieldManager)
	}
	for _, gk := range splitList(anns[ApplySetGroupKindsAnnotation]) {
		prev.groupKinds[schema.ParseGroupKind(gk)] = true
	}
	for _, ns := range splitList(anns[ApplySetNamespacesAnnotation]) {
		prev.namespaces[ns] = true
	}
	prev.namespaces[s.parent.Namespace] = true
	prev.record = readRecord(anns)
	return prev, nil
}

// writeParent applies the parent with the set's kinds and namespaces, or
// with their union with the previous record when union is true, and rec.
func (a *Applier) writeParent(ctx context.Context, s *applySet, prev previousSet, union bool, rec record) error {
	gks := map[string]bool{}
	nss := map[string]bool{}
	for gk := range s.groupKinds {
		gks[gk.String()] = true
	}
	for ns := range s.namespaces {
		nss[ns] = true
	}
	if union {
		for gk := range prev.groupKinds {
			gks[gk.String()] = true
		}
		for ns := range prev.namespaces {
			nss[ns] = true
		}
	}
	delete(nss, s.parent.Namespace)
	parent := &unstructured.Unstructured{}
	parent.SetAPIVersion("v1")
	parent.SetKind(s.parent.Kind)
	parent.SetNamespace(s.parent.Namespace)
	parent.SetName(s.parent.Name)
	parent.SetLabels(map[string]string{ApplySetIDLabel: s.id})
	anns := map[string]string{
		ApplySetToolingAnnotation:    s.tooling,
		ApplySetGroupKindsAnnotation: strings.Join(slices.Sorted(maps.Keys(gks)), ","),
		ApplySetNamespacesAnnotation: strings.Join(slices.Sorted(maps.Keys(nss)), ","),
	}
	if err := rec.annotate(anns); err != nil {
		return fmt.Errorf("inventory %s: %w", s.parentName(), err)
	}
	parent.SetAnnotations(anns)
	if err := a.checkVersion(ctx, s); err != nil {
		return err
	}
	if _, err := a.applyObjects(ctx, []*unstructured.Unstructured{parent}); err != nil {
		return fmt.Errorf("inventory %s: %w", s.parentName(), err)
	}
	v, err := a.parentVersion(ctx, s)
	if err != nil {
		return err
	}
	s.version = v
	return nil
}

// ErrConcurrentSync means another apply of the same source (a CI sync
// racing the agent) wrote its inventory while this one ran: this one stops
// before it prunes or records anything, so neither deletes what the other
// applied nor records a revision it did not apply.
var ErrConcurrentSync = errors.New("another sync of this source wrote its inventory meanwhile")

// checkVersion fails with ErrConcurrentSync when the parent is no longer
// as this apply last saw it. It reads, never writes: an apply with nothing
// to change sends no request that writes.
func (a *Applier) checkVersion(ctx context.Context, s *applySet) error {
	v, err := a.parentVersion(ctx, s)
	if err != nil {
		return err
	}
	if v != s.version {
		return fmt.Errorf("inventory %s: %w (resourceVersion %s, this sync saw %s); nothing more of this sync is applied or pruned, run it again",
			s.parentName(), ErrConcurrentSync, v, orNone(s.version))
	}
	return nil
}

// parentVersion is the parent's resourceVersion; "" when it is absent.
func (a *Applier) parentVersion(ctx context.Context, s *applySet) (string, error) {
	live := &metav1.PartialObjectMetadata{}
	live.APIVersion, live.Kind = "v1", s.parent.Kind
	err := a.client.Get(ctx, client.ObjectKey{Namespace: s.parent.Namespace, Name: s.parent.Name}, live)
	if apierrors.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("inventory %s: %w", s.parentName(), err)
	}
	return live.GetResourceVersion(), nil
}

func orNone(v string) string {
	if v == "" {
		return "none"
	}
	return v
}

func (s *applySet) parentName() string {
	return Subject(s.parent.Kind, s.parent.Namespace, s.parent.Name)
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

// InventoryOf is the ApplySet parent of a source's objects: the ConfigMap
// s.InventoryName() in the source's namespace.
func InventoryOf(s source.Declaration) Inventory {
	return Inventory{Kind: "ConfigMap", Namespace: s.Namespace, Name: s.InventoryName()}
}

package apply

import (
	"context"
	"fmt"
	"strings"

	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// access is one permission an apply needs: a verb on a resource in a
// namespace ("" for cluster-scoped), and the first object that needs it.
type access struct {
	verb, group, resource, namespace string
}

// authorize asks the API server, before anything is applied, whether an
// impersonated identity may create and patch (server-side apply does
// both) every kind of object of the set in every namespace it goes to,
// the inventory included: a source whose ServiceAccount lacks a
// permission fails naming the object and the permission, and nothing of
// it is applied. Kinds the set's own CRDs define are checked by the apply
// itself. The check is per kind and namespace, not per name: a Role that
// grants some names only is refused here.
func (a *Applier) authorize(ctx context.Context, set *applySet, objects []*unstructured.Unstructured) error {
	parent := &unstructured.Unstructured{}
	parent.SetAPIVersion("v1")
	parent.SetKind(set.parent.Kind)
	parent.SetNamespace(set.parent.Namespace)
	parent.SetName(set.parent.Name)
	seen := map[access]bool{}
	for _, obj := range append([]*unstructured.Unstructured{parent}, objects...) {
		gvk := obj.GroupVersionKind()
		mapping, err := a.client.RESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version)
		if meta.IsNoMatchError(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", subject(obj), err)
		}
		ns := obj.GetNamespace()
		if mapping.Scope.Name() != meta.RESTScopeNameNamespace {
			ns = ""
		}
		for _, verb := range []string{"create", "patch"} {
			acc := access{verb: verb, group: gvk.Group, resource: mapping.Resource.Resource, namespace: ns}
			if seen[acc] {
				continue
			}
			seen[acc] = true
			if err := a.allowed(ctx, acc, mapping.Resource); err != nil {
				return fmt.Errorf("%s: %w", subject(obj), err)
			}
		}
	}
	return nil
}

// allowed asks whether the Applier's identity may do acc.
func (a *Applier) allowed(ctx context.Context, acc access, gvr schema.GroupVersionResource) error {
	review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: acc.verb, Group: acc.group, Resource: acc.resource, Namespace: acc.namespace}}}
	if err := a.client.Create(ctx, review); err != nil {
		return fmt.Errorf("asking whether %s may %s %s: %w", a.identity(), acc.verb, resourceName(gvr), err)
	}
	if review.Status.Allowed && !review.Status.Denied {
		return nil
	}
	where := "cluster-wide"
	if acc.namespace != "" {
		where = "in namespace " + acc.namespace
	}
	reason := ""
	if r := strings.TrimSpace(review.Status.Reason); r != "" {
		reason = " (" + r + ")"
	}
	return fmt.Errorf("%w: %s may not %s %s %s%s; nothing of this source was applied", ErrForbidden, a.identity(), acc.verb, resourceName(gvr), where, reason)
}

func resourceName(gvr schema.GroupVersionResource) string {
	if gvr.Group == "" {
		return gvr.Resource
	}
	return gvr.Resource + "." + gvr.Group
}

// identity names who the Applier applies as.
func (a *Applier) identity() string {
	if ns, name, ok := strings.Cut(strings.TrimPrefix(a.user, "system:serviceaccount:"), ":"); ok && strings.HasPrefix(a.user, "system:serviceaccount:") {
		return "ServiceAccount " + ns + "/" + name
	}
	if a.user != "" {
		return "user " + a.user
	}
	return "the caller"
}

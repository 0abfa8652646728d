package apply

import (
	"context"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// listFrom is how many objects of one kind in one namespace make one LIST
// cheaper than a GET each: a source of a thousand apps reads its
// Deployments with a few lists per health poll rather than thousands of
// requests.
const listFrom = 8

// readLive reads the live state of objects: live[i] is objects[i] as the
// cluster holds it, or nil with errs[i] saying why (NotFound when it is not
// there). Objects must carry their apiVersion.
func (a *Applier) readLive(ctx context.Context, objects []*unstructured.Unstructured) (live []*unstructured.Unstructured, errs []error) {
	live = make([]*unstructured.Unstructured, len(objects))
	errs = make([]error, len(objects))
	type group struct {
		gvk       schema.GroupVersionKind
		namespace string
		members   []int
	}
	byKey := map[[2]string]*group{}
	var groups []*group
	for i, obj := range objects {
		k := [2]string{obj.GetAPIVersion() + "/" + obj.GetKind(), obj.GetNamespace()}
		g := byKey[k]
		if g == nil {
			g = &group{gvk: obj.GroupVersionKind(), namespace: obj.GetNamespace()}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.members = append(g.members, i)
	}
	// Small groups (and cluster-scoped ones, whose list would span every
	// namespace) are read object by object; the rest one list each.
	var gets []int
	var lists []*group
	for _, g := range groups {
		if len(g.members) < listFrom || g.namespace == "" {
			gets = append(gets, g.members...)
		} else {
			lists = append(lists, g)
		}
	}
	var mu sync.Mutex
	forEach(ctx, len(lists), func(ctx context.Context, n int) {
		g := lists[n]
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(g.gvk.GroupVersion().WithKind(g.gvk.Kind + "List"))
		err := a.client.List(ctx, list, client.InNamespace(g.namespace))
		byName := map[string]*unstructured.Unstructured{}
		for j := range list.Items {
			byName[list.Items[j].GetName()] = &list.Items[j]
		}
		mu.Lock()
		defer mu.Unlock()
		for _, i := range g.members {
			switch name := objects[i].GetName(); {
			case err != nil:
				errs[i] = err
			case byName[name] == nil:
				gr := schema.GroupResource{Group: g.gvk.Group, Resource: strings.ToLower(g.gvk.Kind)}
				errs[i] = apierrors.NewNotFound(gr, name)
			default:
				live[i] = byName[name]
			}
		}
	})
	forEach(ctx, len(gets), func(ctx context.Context, n int) {
		i := gets[n]
		obj := &unstructured.Unstructured{}
		obj.SetGroupVersionKind(objects[i].GroupVersionKind())
		if err := a.client.Get(ctx, client.ObjectKeyFromObject(objects[i]), obj); err != nil {
			errs[i] = err
			return
		}
		live[i] = obj
	})
	return live, errs
}

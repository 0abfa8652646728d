package agent

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
)

// ApplicationResource is the resource of OAM Applications.
var ApplicationResource = schema.GroupVersionResource{Group: "core.oam.dev", Version: "v1beta1", Resource: "applications"}

// Watch selects the Applications a Controller is given.
type Watch struct {
	// Namespace is the Applications' namespace; "" is all.
	Namespace string
	// LabelSelector keeps those matching it (a shard), e.g.
	// "oamgitops.dev/shard=shard1" or "!oamgitops.dev/shard"; "" is all.
	LabelSelector string
}

// Run feeds the controller from an informer on the Applications w selects
// and runs its workers until ctx is done.
func (c *Controller) Run(ctx context.Context, dc dynamic.Interface, w Watch) error {
	factory := dynamicinformer.NewFilteredDynamicSharedInformerFactory(dc, 0, w.Namespace, func(o *metav1.ListOptions) {
		o.LabelSelector = w.LabelSelector
	})
	inf := factory.ForResource(ApplicationResource).Informer()
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.setFromInformer(obj) },
		UpdateFunc: func(_, obj any) { c.setFromInformer(obj) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if u, ok := obj.(*unstructured.Unstructured); ok {
				c.DeleteApplication(KeyOf(u))
			}
		},
	})
	if err != nil {
		return fmt.Errorf("watch Applications: %w", err)
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return nil // stopped before the first list
	}
	c.ready.Store(true)
	c.mu.Lock()
	if len(c.sources) == 0 {
		c.progress("agent: no Application declares a kustomize source: nothing to watch")
	}
	c.mu.Unlock()
	c.Start(ctx)
	return nil
}

func (c *Controller) setFromInformer(obj any) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		c.SetApplication(u.DeepCopy())
	}
}

// StatusApplier writes Application status with server-side apply.
type StatusApplier struct {
	Client dynamic.Interface
}

// WriteStatus applies status to app's status subresource.
func (s StatusApplier) WriteStatus(ctx context.Context, app *unstructured.Unstructured, status map[string]any) error {
	obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": app.GetAPIVersion(), "kind": app.GetKind(),
		"metadata": map[string]any{"name": app.GetName(), "namespace": app.GetNamespace()}, "status": status}}
	_, err := s.Client.Resource(ApplicationResource).Namespace(app.GetNamespace()).ApplyStatus(ctx, app.GetName(), obj,
		metav1.ApplyOptions{FieldManager: apply.FieldManager, Force: true})
	return err
}

// SetFinalizer adds Finalizer to app, or takes it off, with a merge patch
// of the finalizers as app holds them, guarded by its resourceVersion: a
// finalizer another controller added meanwhile is never lost (the patch
// fails and is retried), and an Application already gone is not created
// again.
func (s StatusApplier) SetFinalizer(ctx context.Context, app *unstructured.Unstructured, present bool) error {
	finalizers := []string{}
	for _, f := range app.GetFinalizers() {
		if f != Finalizer {
			finalizers = append(finalizers, f)
		}
	}
	if present {
		finalizers = append(finalizers, Finalizer)
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"finalizers": finalizers, "resourceVersion": app.GetResourceVersion()}})
	if err != nil {
		return err
	}
	_, err = s.Client.Resource(ApplicationResource).Namespace(app.GetNamespace()).Patch(ctx, app.GetName(), types.MergePatchType, patch, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil // gone already
	}
	return err
}

// NewEventRecorder records Events from component through client; stop
// flushes and ends it.
func NewEventRecorder(client kubernetes.Interface, component string) (rec record.EventRecorder, stop func()) {
	b := record.NewBroadcaster()
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	return b.NewRecorder(scheme.Scheme, corev1.EventSource{Component: component}), b.Shutdown
}

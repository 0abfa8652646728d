package install

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// CRDResource is the resource of CustomResourceDefinitions.
var CRDResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// Installer puts the manifests into one cluster.
type Installer struct {
	client dynamic.Interface
	mapper meta.RESTMapper
}

// NewInstaller connects to the cluster of cfg.
func NewInstaller(cfg *rest.Config) (*Installer, error) {
	dc, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster client: %w", err)
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster client: %w", err)
	}
	return &Installer{client: dc, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))}, nil
}

// InstallOptions are how Install goes.
type InstallOptions struct {
	// Force takes over an Application CRD another installation owns.
	Force bool
	// EstablishTimeout bounds the wait for the CRD. Default 1 minute.
	EstablishTimeout time.Duration
	// Progress gets one line per object ("Deployment ns/name created").
	// Nil discards them.
	Progress io.Writer
}

// UninstallOptions are how Uninstall goes.
type UninstallOptions struct {
	// CRDs deletes the Application CRD too, and with it every Application.
	CRDs bool
	// Finalizer, when set, is taken off every Application once the agent
	// is gone: no agent is left to act on it, and deleting an Application
	// (or the CRD) must not wait for one.
	Finalizer string
	// Progress gets one line per object. Nil discards them.
	Progress io.Writer
}

// Install applies objs in order with server-side apply, field manager
// kubectl-gitops, and waits for the Application CRD to be established.
func (in *Installer) Install(ctx context.Context, objs []*unstructured.Unstructured, opts InstallOptions) error {
	if opts.EstablishTimeout == 0 {
		opts.EstablishTimeout = time.Minute
	}
	if !opts.Force {
		if err := in.checkCRD(ctx); err != nil {
			return err
		}
	}
	for _, obj := range objs {
		ri, err := in.resource(obj)
		if err != nil {
			return err
		}
		before, err := ri.Get(ctx, obj.GetName(), metav1.GetOptions{})
		existed := err == nil
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("%s: %w", subject(obj), err)
		}
		after, err := ri.Apply(ctx, obj.GetName(), obj, metav1.ApplyOptions{FieldManager: ManagedBy, Force: true})
		if err != nil {
			return fmt.Errorf("%s: %w", subject(obj), err)
		}
		action := "created"
		switch {
		case existed && before.GetResourceVersion() == after.GetResourceVersion():
			action = "unchanged"
		case existed:
			action = "configured"
		}
		progress(opts.Progress, "%s %s", subject(obj), action)
		if obj.GetKind() == "CustomResourceDefinition" {
			if err := in.waitEstablished(ctx, obj.GetName(), opts.EstablishTimeout); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkCRD fails with ErrForeignCRD when the Application CRD exists and
// install did not create it.
func (in *Installer) checkCRD(ctx context.Context) error {
	crd, err := in.client.Resource(CRDResource).Get(ctx, CRDName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("CustomResourceDefinition %s: %w", CRDName, err)
	}
	if Owned(crd) {
		return nil
	}
	var managers []string
	seen := map[string]bool{}
	for _, f := range crd.GetManagedFields() {
		if f.Manager != ManagedBy && f.Manager != "kube-apiserver" && !seen[f.Manager] {
			seen[f.Manager] = true
			managers = append(managers, f.Manager)
		}
	}
	sort.Strings(managers)
	by := ""
	if len(managers) > 0 {
		by = " (field managers: " + strings.Join(managers, ", ") + ")"
	}
	return fmt.Errorf("CustomResourceDefinition %s: %w%s, KubeVela perhaps, whose controller would act on the same "+
		"Applications as the agent; uninstall it first, or run install --force to take the CRD over", CRDName, ErrForeignCRD, by)
}

// Owned says whether install created obj: it carries the managed-by label.
func Owned(obj *unstructured.Unstructured) bool {
	return obj.GetLabels()[ManagedByLabel] == ManagedBy
}

func (in *Installer) waitEstablished(ctx context.Context, name string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		crd, err := in.client.Resource(CRDResource).Get(ctx, name, metav1.GetOptions{})
		if err == nil && established(crd) {
			return nil
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = errors.New("not established")
			}
			return fmt.Errorf("CustomResourceDefinition %s: not established within %s: %w", name, timeout, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func established(crd *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Established" && m["status"] == "True" {
			return true
		}
	}
	return false
}

// Uninstall deletes objs in reverse order: those install created (they
// carry its label); the CRD only with opts.CRDs. Agent Deployments install
// created that objs do not name (the shards of an install with more
// --shards) go first.
func (in *Installer) Uninstall(ctx context.Context, objs []*unstructured.Unstructured, opts UninstallOptions) error {
	var errs []error
	errs = append(errs, in.deleteOtherAgents(ctx, objs, opts))
	for i := len(objs) - 1; i >= 0; i-- {
		obj := objs[i]
		if obj.GetKind() == "CustomResourceDefinition" && opts.Finalizer != "" {
			errs = append(errs, in.removeFinalizers(ctx, opts))
		}
		if obj.GetKind() == "CustomResourceDefinition" && !opts.CRDs {
			progress(opts.Progress, "%s kept (--crds deletes it, and every Application with it)", subject(obj))
			continue
		}
		ri, err := in.resource(obj)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		live, err := ri.Get(ctx, obj.GetName(), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			progress(opts.Progress, "%s not found", subject(obj))
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", subject(obj), err))
			continue
		}
		if live.GetDeletionTimestamp() != nil {
			progress(opts.Progress, "%s being deleted", subject(obj))
			continue
		}
		if !Owned(live) {
			progress(opts.Progress, "%s kept: install did not create it (no %s=%s label)", subject(obj), ManagedByLabel, ManagedBy)
			continue
		}
		policy := metav1.DeletePropagationBackground
		err = ri.Delete(ctx, obj.GetName(), metav1.DeleteOptions{PropagationPolicy: &policy})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("%s: %w", subject(obj), err))
			continue
		}
		progress(opts.Progress, "%s deleted", subject(obj))
	}
	return errors.Join(errs...)
}

// deleteOtherAgents deletes the agent Deployments of objs' namespace that
// install created and objs does not hold.
func (in *Installer) deleteOtherAgents(ctx context.Context, objs []*unstructured.Unstructured, opts UninstallOptions) error {
	named := map[string]bool{}
	namespace := ""
	for _, o := range objs {
		if o.GetKind() == "Deployment" {
			named[o.GetName()] = true
			namespace = o.GetNamespace()
		}
	}
	if namespace == "" {
		return nil
	}
	deployments := in.client.Resource(schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}).Namespace(namespace)
	list, err := deployments.List(ctx, metav1.ListOptions{LabelSelector: ManagedByLabel + "=" + ManagedBy + ",app.kubernetes.io/component=agent"})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("agent Deployments in %s: %w", namespace, err)
	}
	var errs []error
	for _, d := range list.Items {
		if named[d.GetName()] {
			continue
		}
		policy := metav1.DeletePropagationBackground
		if err := deployments.Delete(ctx, d.GetName(), metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("Deployment %s/%s: %w", namespace, d.GetName(), err))
			continue
		}
		progress(opts.Progress, "Deployment %s/%s deleted", namespace, d.GetName())
	}
	return errors.Join(errs...)
}

func (in *Installer) resource(obj *unstructured.Unstructured) (dynamic.ResourceInterface, error) {
	gvk := obj.GroupVersionKind()
	m, err := in.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", subject(obj), err)
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return in.client.Resource(m.Resource).Namespace(obj.GetNamespace()), nil
	}
	return in.client.Resource(m.Resource), nil
}

// subject is "Kind name" or "Kind ns/name".
func subject(obj *unstructured.Unstructured) string {
	if obj.GetNamespace() == "" {
		return obj.GetKind() + " " + obj.GetName()
	}
	return obj.GetKind() + " " + obj.GetNamespace() + "/" + obj.GetName()
}

func progress(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}

package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/ssa"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ObjectHealth is the health of one object that kept a wave waiting.
type ObjectHealth struct {
	// Subject is Kind/namespace/name.
	Subject string
	// Status is the kstatus status: InProgress, Failed, NotFound, …
	Status string
	// Message says why, as kstatus reads it from the object.
	Message string
}

// NotHealthyError means objects of a wave (or objects of other sources it
// depends on) did not become healthy in time, or failed.
type NotHealthyError struct {
	// Wave is the index of the wave that was waiting.
	Wave    int
	Objects []ObjectHealth
	// Err is the error of the wait.
	Err error
}

func (e *NotHealthyError) Error() string {
	parts := make([]string, len(e.Objects))
	for i, o := range e.Objects {
		parts[i] = o.Subject + " is " + o.Status
		if o.Message != "" {
			parts[i] += ": " + o.Message
		}
	}
	if len(parts) == 0 {
		return fmt.Sprintf("wave %d: not healthy: %v", e.Wave, e.Err)
	}
	return fmt.Sprintf("wave %d: not healthy: %s", e.Wave, strings.Join(parts, "; "))
}

func (e *NotHealthyError) Unwrap() error { return e.Err }

// waitHealthy waits until every object is Current (kstatus).
func (a *Applier) waitHealthy(ctx context.Context, wave int, objects []*unstructured.Unstructured, opts ssa.WaitOptions) error {
	if len(objects) == 0 {
		return nil
	}
	set := object.UnstructuredSetToObjMetadataSet(objects)
	err := a.manager.WaitForSetWithContext(ctx, set, opts)
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	nh := &NotHealthyError{Wave: wave, Err: err}
	for _, obj := range objects {
		h := a.health(ctx, obj)
		if h.Status != string(status.CurrentStatus) {
			nh.Objects = append(nh.Objects, h)
		}
	}
	return nh
}

// health reads obj's kstatus now.
func (a *Applier) health(ctx context.Context, obj *unstructured.Unstructured) ObjectHealth {
	h := ObjectHealth{Subject: subject(obj)}
	gvk := obj.GroupVersionKind()
	if gvk.Version == "" {
		m, err := a.client.RESTMapper().RESTMapping(gvk.GroupKind())
		if err != nil {
			h.Status, h.Message = string(status.UnknownStatus), err.Error()
			return h
		}
		gvk = m.GroupVersionKind
	}
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(gvk)
	if err := a.client.Get(ctx, client.ObjectKeyFromObject(obj), live); err != nil {
		h.Status, h.Message = string(status.UnknownStatus), err.Error()
		if apierrors.IsNotFound(err) {
			h.Status, h.Message = string(status.NotFoundStatus), "not found in the cluster"
		}
		return h
	}
	res, err := status.Compute(live)
	if err != nil {
		h.Status, h.Message = string(status.UnknownStatus), err.Error()
		return h
	}
	h.Status, h.Message = string(res.Status), res.Message
	return h
}

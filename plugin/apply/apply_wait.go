package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// UnhealthyStatus is the Status of an object that its health rule
// (ApplyOptions.Health) judged not healthy.
const UnhealthyStatus = "Unhealthy"

// ErrFailed means an object of a wave reached kstatus Failed: waiting longer
// would not help.
var ErrFailed = errors.New("an object failed")

// ObjectHealth is the health of one object.
type ObjectHealth struct {
	// Subject is Kind/namespace/name.
	Subject string
	// Status is the kstatus status (Current, InProgress, Failed,
	// NotFound, Unknown, …), or Unhealthy when the health rule of
	// ApplyOptions.Health judged the object not healthy; Current when it
	// judged it healthy.
	Status string
	// Message says why, as kstatus or the health rule reads it.
	Message string
}

// Healthy reports whether the status is Current.
func (h ObjectHealth) Healthy() bool { return h.Status == string(status.CurrentStatus) }

// NotHealthyError means objects of a wave (or objects of other sources it
// depends on) did not become healthy in time, or failed.
type NotHealthyError struct {
	// Wave is the index of the wave that was waiting.
	Wave    int
	Objects []ObjectHealth
	// Err is the error of the wait: a timeout (wrapping
	// context.DeadlineExceeded) or ErrFailed.
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

// waitHealthy polls objects until each is healthy, one of them Failed, or
// the wave timeout passes. observed (not nil) gets the last health read of
// each.
func (a *Applier) waitHealthy(ctx context.Context, wave int, objects []*unstructured.Unstructured, opts ApplyOptions, observed map[objKey]ObjectHealth) error {
	deadline := time.Now().Add(opts.WaveTimeout)
	pending := objects
	for len(pending) > 0 {
		var waiting []*unstructured.Unstructured
		var failed []ObjectHealth
		healths := a.healths(ctx, pending, opts.Health)
		for i, obj := range pending {
			h := healths[i]
			observed[keyOf(obj)] = h
			if h.Healthy() {
				continue
			}
			if h.Status == string(status.FailedStatus) {
				failed = append(failed, h)
			}
			waiting = append(waiting, obj)
		}
		pending = waiting
		if len(failed) > 0 {
			return &NotHealthyError{Wave: wave, Objects: failed, Err: ErrFailed}
		}
		if len(pending) == 0 {
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !time.Now().Before(deadline) {
			nh := &NotHealthyError{Wave: wave, Err: fmt.Errorf("timed out after %s: %w", opts.WaveTimeout, context.DeadlineExceeded)}
			for _, obj := range pending {
				nh.Objects = append(nh.Objects, observed[keyOf(obj)])
			}
			return nh
		}
		t := time.NewTimer(min(opts.PollInterval, time.Until(deadline)))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// healths reads objects now (see readLive) and judges each (see judge).
func (a *Applier) healths(ctx context.Context, objects []*unstructured.Unstructured, check HealthFunc) []ObjectHealth {
	out := make([]ObjectHealth, len(objects))
	var known []*unstructured.Unstructured
	var at []int
	for i, obj := range objects {
		out[i].Subject = subject(obj)
		gvk := obj.GroupVersionKind()
		if gvk.Version == "" { // an external object named by depends-on
			m, err := a.client.RESTMapper().RESTMapping(gvk.GroupKind())
			if err != nil {
				out[i].Status, out[i].Message = string(status.UnknownStatus), err.Error()
				continue
			}
			obj = obj.DeepCopy()
			obj.SetGroupVersionKind(m.GroupVersionKind)
		}
		known = append(known, obj)
		at = append(at, i)
	}
	live, errs := a.readLive(ctx, known)
	for n, i := range at {
		out[i] = judge(out[i].Subject, live[n], errs[n], check)
	}
	return out
}

// judge judges a live object: by check when it gives a verdict, else by
// kstatus. An object check judges not healthy that kstatus sees Failed is
// Failed. err is why live could not be read.
func judge(subject string, live *unstructured.Unstructured, err error, check HealthFunc) ObjectHealth {
	h := ObjectHealth{Subject: subject}
	if err != nil {
		h.Status, h.Message = string(status.UnknownStatus), err.Error()
		if apierrors.IsNotFound(err) {
			h.Status, h.Message = string(status.NotFoundStatus), "not found in the cluster"
		}
		return h
	}
	res, kerr := status.Compute(live)
	if check != nil {
		v, ok, err := check(live)
		switch {
		case err != nil:
			h.Status, h.Message = string(status.UnknownStatus), "health rule: "+err.Error()
			return h
		case ok && v.Healthy:
			h.Status, h.Message = string(status.CurrentStatus), v.Message
			return h
		case ok:
			h.Status, h.Message = UnhealthyStatus, v.Message
			if kerr == nil && res.Status == status.FailedStatus {
				h.Status = string(status.FailedStatus)
				h.Message = strings.TrimPrefix(v.Message+": "+res.Message, ": ")
			}
			return h
		}
	}
	if kerr != nil {
		h.Status, h.Message = string(status.UnknownStatus), kerr.Error()
		return h
	}
	h.Status, h.Message = string(res.Status), res.Message
	return h
}

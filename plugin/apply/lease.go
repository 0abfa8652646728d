package apply

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The syncs of one source take turns: each holds a Lease named as the
// source's inventory, in its namespace, while it applies and prunes, so a
// `kubectl gitops sync` from CI and the agent never interleave their
// applies. A holder that died lets go when its Lease expires.
const (
	leaseDuration = 30 * time.Second
	leaseRenew    = 10 * time.Second
	leasePoll     = 500 * time.Millisecond
)

// DefaultLockWait is how long a sync waits for another sync of the same
// source to finish.
const DefaultLockWait = 5 * time.Minute

// ErrSourceBusy means another sync of the source held its Lease for
// longer than the sync would wait.
var ErrSourceBusy = errors.New("another sync of this source is running")

// errLeaseRace is a Lease another sync created or updated between our read
// and our write: read it again.
var errLeaseRace = errors.New("the Lease changed meanwhile")

// holderIdentity names this process in the Leases it holds.
func holderIdentity() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s_%d_%s", host, os.Getpid(), hex.EncodeToString(b))
}

// lockSource takes the source's Lease, waiting up to wait for another
// holder, and keeps it renewed until release is called. A caller without
// the right to Leases syncs unlocked (the inventory's resourceVersion
// still stops it before it prunes what another sync applied).
func (a *Applier) lockSource(ctx context.Context, inv Inventory, wait time.Duration, waiting func(holder string)) (release func(), err error) {
	if wait < 0 {
		return func() {}, nil
	}
	key := types.NamespacedName{Namespace: inv.Namespace, Name: inv.Name}
	deadline := time.Now().Add(wait)
	told := ""
	for {
		holder, err := a.tryLease(ctx, key)
		switch {
		case errors.Is(err, errLeaseRace):
			continue
		case apierrors.IsForbidden(err) || apierrors.IsNotFound(err):
			// No right to Leases, or the namespace does not exist yet
			// (the source creates it): unlocked.
			return func() {}, nil
		case err != nil:
			return nil, fmt.Errorf("Lease %s: %w", key, err)
		case holder == "":
			return a.keepLease(ctx, key), nil
		}
		if holder != told && waiting != nil {
			waiting(holder)
			told = holder
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("Lease %s is held by %s: %w; nothing was applied", key, holder, ErrSourceBusy)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(leasePoll):
		}
	}
}

// tryLease takes the Lease when it is free, expired or this process's; it
// returns the other holder when it is not, and errLeaseRace when another
// sync wrote it between the read and the write.
func (a *Applier) tryLease(ctx context.Context, key types.NamespacedName) (otherHolder string, err error) {
	now := metav1.NewMicroTime(time.Now())
	seconds := int32(leaseDuration / time.Second)
	var lease coordinationv1.Lease
	err = a.locks.Get(ctx, key, &lease)
	if apierrors.IsNotFound(err) {
		lease = coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name,
			Labels: map[string]string{"app.kubernetes.io/managed-by": FieldManager}},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: &a.holder, LeaseDurationSeconds: &seconds, AcquireTime: &now, RenewTime: &now}}
		if err := a.locks.Create(ctx, &lease); apierrors.IsAlreadyExists(err) {
			return "", errLeaseRace
		} else if err != nil {
			return "", err
		}
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if h := lease.Spec.HolderIdentity; h != nil && *h != "" && *h != a.holder && !expired(lease.Spec, now.Time) {
		return *h, nil
	}
	lease.Spec.HolderIdentity, lease.Spec.LeaseDurationSeconds = &a.holder, &seconds
	lease.Spec.AcquireTime, lease.Spec.RenewTime = &now, &now
	if err := a.locks.Update(ctx, &lease); apierrors.IsConflict(err) {
		return "", errLeaseRace
	} else if err != nil {
		return "", err
	}
	return "", nil
}

func expired(spec coordinationv1.LeaseSpec, now time.Time) bool {
	if spec.RenewTime == nil || spec.LeaseDurationSeconds == nil {
		return true
	}
	return spec.RenewTime.Add(time.Duration(*spec.LeaseDurationSeconds) * time.Second).Before(now)
}

// keepLease renews the Lease until the returned release, which lets it go.
func (a *Applier) keepLease(ctx context.Context, key types.NamespacedName) func() {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(leaseRenew)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				_, _ = a.tryLease(ctx, key) // a missed renewal is retried; expiry is three away
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
		// Let go even when ctx ended (the agent stopping), briefly.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		var lease coordinationv1.Lease
		if err := a.locks.Get(rctx, key, &lease); err != nil {
			return
		}
		if h := lease.Spec.HolderIdentity; h == nil || *h != a.holder {
			return
		}
		_ = a.locks.Delete(rctx, &lease, client.Preconditions{UID: &lease.UID, ResourceVersion: &lease.ResourceVersion})
	}
}

package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// Election is how replicas of the agent elect the one that acts.
type Election struct {
	Client kubernetes.Interface
	// Namespace and Name name the coordination.k8s.io Lease.
	Namespace, Name string
	// Identity is this replica's name in the Lease (its Pod name).
	Identity string
	// LeaseDuration is how long the others wait for a silent leader;
	// RenewDeadline how long the leader tries to renew before it gives
	// up; RetryPeriod how often everyone tries. Defaults 15s, 10s, 2s.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// Progress gets a line when this replica leads or stops leading.
	Progress io.Writer
}

// ErrLostLease means another replica took the Lease: this one stops, and
// its Pod is restarted to wait for its turn again.
var ErrLostLease = errors.New("lost the leader Lease")

// Run runs lead while this replica holds the Lease. It returns nil when
// ctx is done (releasing the Lease for the next replica) and ErrLostLease
// when the lease was lost first.
func (e Election) Run(ctx context.Context, lead func(ctx context.Context)) error {
	if e.LeaseDuration == 0 {
		e.LeaseDuration, e.RenewDeadline, e.RetryPeriod = 15*time.Second, 10*time.Second, 2*time.Second
	}
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: e.Namespace, Name: e.Name},
		Client:     e.Client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: e.Identity},
	}
	done := make(chan struct{})
	var led atomic.Bool
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   e.LeaseDuration,
		RenewDeadline:   e.RenewDeadline,
		RetryPeriod:     e.RetryPeriod,
		ReleaseOnCancel: true,
		Name:            e.Name,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(ctx context.Context) {
				led.Store(true)
				e.progress("agent: leading (Lease %s/%s, as %s)", e.Namespace, e.Name, e.Identity)
				defer close(done)
				lead(ctx)
			},
			OnStoppedLeading: func() {},
			OnNewLeader: func(id string) {
				if id != e.Identity {
					e.progress("agent: %s leads; waiting to take over (Lease %s/%s)", id, e.Namespace, e.Name)
				}
			},
		},
	})
	if err != nil {
		return fmt.Errorf("leader election: %w", err)
	}
	le.Run(ctx)
	if led.Load() {
		<-done // lead returned: its syncs stopped
	}
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("Lease %s/%s: %w", e.Namespace, e.Name, ErrLostLease)
}

func (e Election) progress(format string, args ...any) {
	if e.Progress != nil {
		fmt.Fprintf(e.Progress, format+"\n", args...)
	}
}

package apply

import (
	"context"
	"fmt"
	"time"

	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/ssa"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// DeleteOptions configures one Delete.
type DeleteOptions struct {
	// WaveTimeout bounds the wait for the objects of each wave to be gone
	// before the wave before it is deleted. Default 5 minutes.
	WaveTimeout time.Duration
	// PollInterval is how often the cluster is polled. Default 2 seconds.
	PollInterval time.Duration
}

// DefaultDeleteOptions returns the default DeleteOptions.
func DefaultDeleteOptions() DeleteOptions {
	return DeleteOptions{WaveTimeout: 5 * time.Minute, PollInterval: 2 * time.Second}
}

// Delete removes everything the source of inv applied, in reverse
// dependency order (the last wave first, cluster definitions last), then
// the ApplySet parent. Members annotated `oamgitops.dev/prune: disabled`
// stay in the cluster (skipped in the change set). It fails with
// ErrNoInventory when inv is not in the cluster; when it fails part way the
// parent stays, so Delete can be run again.
func (a *Applier) Delete(ctx context.Context, inv Inventory, opts DeleteOptions) (*ssa.ChangeSet, error) {
	changes := ssa.NewChangeSet()
	if err := inv.validate(); err != nil {
		return changes, err
	}
	if opts.WaveTimeout <= 0 || opts.PollInterval <= 0 {
		return changes, fmt.Errorf("wave timeout and poll interval must be positive")
	}
	// A delete takes its turn with the syncs of the source (lease.go).
	release, err := a.lockSource(ctx, inv, DefaultLockWait, nil)
	if err != nil {
		return changes, err
	}
	defer release()
	set, members, err := a.members(ctx, inv)
	if err != nil {
		return changes, err
	}
	cs, err := a.deleteInWaves(ctx, members, ssa.WaitOptions{Interval: opts.PollInterval, Timeout: opts.WaveTimeout})
	changes.Append(cs.Entries)
	if err != nil {
		return changes, fmt.Errorf("delete: %w", err)
	}
	parent := &unstructured.Unstructured{}
	parent.SetGroupVersionKind(schema.GroupVersionKind{Version: "v1", Kind: inv.Kind})
	parent.SetNamespace(inv.Namespace)
	parent.SetName(inv.Name)
	if err := a.client.Delete(ctx, parent, client.PropagationPolicy("Background")); err != nil && !apierrors.IsNotFound(err) {
		return changes, fmt.Errorf("inventory %s: %w", set.parentName(), err)
	}
	changes.Add(ssa.ChangeSetEntry{ObjMetadata: object.UnstructuredToObjMetadata(parent), GroupVersion: "v1",
		Subject: subject(parent), Action: ssa.DeletedAction})
	return changes, nil
}

// deleteInWaves deletes live objects in the reverse order of the waves
// planWaves puts them in: every wave but the first is waited for until its
// objects are gone before the wave before it is deleted. Objects annotated
// `oamgitops.dev/prune: disabled` are skipped.
func (a *Applier) deleteInWaves(ctx context.Context, objects []*unstructured.Unstructured, opts ssa.WaitOptions) (*ssa.ChangeSet, error) {
	changes := ssa.NewChangeSet()
	waves, err := planWaves(objects)
	if err != nil {
		return changes, err
	}
	for i := len(waves) - 1; i >= 0; i-- {
		cs, err := a.manager.DeleteAll(ctx, waves[i].objects, ssa.DeleteOptions{
			PropagationPolicy: "Background",
			// Checked again on the live object right before the delete.
			Exclusions: map[string]string{PruneAnnotation: PruneDisabled},
		})
		if cs != nil {
			changes.Append(cs.Entries)
		}
		if err != nil {
			return changes, fmt.Errorf("wave %d: %w", i, err)
		}
		if i == 0 {
			break
		}
		if err := a.waitGone(ctx, cs, opts); err != nil {
			return changes, fmt.Errorf("wave %d: %w", i, err)
		}
	}
	return changes, nil
}

// waitGone waits until the objects cs deleted are not found.
func (a *Applier) waitGone(ctx context.Context, cs *ssa.ChangeSet, opts ssa.WaitOptions) error {
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	for _, e := range cs.Entries {
		if e.Action != ssa.DeletedAction {
			continue
		}
		obj := &unstructured.Unstructured{}
		obj.SetGroupVersionKind(e.ObjMetadata.GroupKind.WithVersion(e.GroupVersion))
		obj.SetNamespace(e.ObjMetadata.Namespace)
		obj.SetName(e.ObjMetadata.Name)
		err := wait.PollUntilContextCancel(ctx, opts.Interval, true, func(ctx context.Context) (bool, error) {
			err := a.client.Get(ctx, client.ObjectKeyFromObject(obj), obj.DeepCopy())
			if apierrors.IsNotFound(err) {
				return true, nil
			}
			return false, err
		})
		if err != nil {
			return fmt.Errorf("%s is not gone after %s: %w", e.Subject, opts.Timeout, err)
		}
	}
	return nil
}

// members reads the ApplySet parent of inv and lists the objects its set
// holds. It fails with ErrNoInventory when the parent is not in the
// cluster.
func (a *Applier) members(ctx context.Context, inv Inventory) (*applySet, []*unstructured.Unstructured, error) {
	set := newApplySet(inv, a.tooling)
	prev, err := a.readParent(ctx, set)
	if err != nil {
		return nil, nil, err
	}
	if !prev.exists {
		return nil, nil, fmt.Errorf("inventory %s: %w", set.parentName(), ErrNoInventory)
	}
	var members []*unstructured.Unstructured
	for _, gk := range sortedGroupKinds(prev.groupKinds) {
		m, err := a.listMembers(ctx, set, gk, prev.namespaces)
		if err != nil {
			return nil, nil, err
		}
		members = append(members, m...)
	}
	return set, members, nil
}

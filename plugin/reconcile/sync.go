package reconcile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/fluxcd/pkg/ssa"
	ssaerrors "github.com/fluxcd/pkg/ssa/errors"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/build"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
)

// SyncOptions configures how a Syncer applies each built source.
type SyncOptions struct {
	// WaveTimeout bounds the wait for each wave to become healthy.
	// Default 5 minutes.
	WaveTimeout time.Duration
	// AllowEmpty lets a source that renders nothing prune everything it
	// applied before. Default false.
	AllowEmpty bool
	// Progress receives one line per step. Nil discards them.
	Progress io.Writer
	// DefaultServiceAccount, when set, is the ServiceAccount a source
	// that names none is applied as, in its own namespace (Flux's
	// --default-service-account): no source gets the caller's rights.
	DefaultServiceAccount string
}

// DefaultSyncOptions returns the options `kubectl gitops sync` starts from.
func DefaultSyncOptions() SyncOptions {
	return SyncOptions{WaveTimeout: 5 * time.Minute}
}

// Syncer applies built sources to one cluster: their objects in waves
// gated on health (the definitions' health rules, else kstatus), their
// revision and components recorded in the source's inventory.
type Syncer struct {
	// Appliers apply each source as its ServiceAccount, or as the caller.
	Appliers *apply.Appliers
	Options  SyncOptions
}

// applier is the Applier of b's identity: its ServiceAccount, else the
// default one, else the caller's.
func (s *Syncer) applier(b *build.Built) (*apply.Applier, error) {
	sa := b.Source.ServiceAccountName
	if sa == "" {
		sa = s.Options.DefaultServiceAccount
	}
	return s.Appliers.As(b.Source.Namespace, sa)
}

// applyOptions are the applier's options for b, the same for Sync and
// Diff.
func (s *Syncer) applyOptions(b *build.Built) apply.ApplyOptions {
	opts := apply.DefaultApplyOptions(apply.InventoryOf(b.Source))
	opts.Prune = b.Source.Prune
	opts.AllowEmpty = s.Options.AllowEmpty
	if s.Options.WaveTimeout > 0 {
		opts.WaveTimeout = s.Options.WaveTimeout
	}
	opts.Revision = b.Revision
	opts.Source = &apply.SourceRecord{Name: b.Source.Name, App: b.Source.App, Component: b.Source.Component, Index: b.Source.Index,
		URL: gitrepo.DisplayURL(b.Source.URL), Ref: b.Source.Ref.String(), Path: b.Source.CleanPath()}
	if b.Parent != nil {
		parent := apply.InventoryOf(*b.Parent)
		opts.Source.Parent = &parent
	}
	opts.Applications = b.Applications
	if b.Definitions != nil {
		opts.Health = apply.DefinitionHealth(b.Definitions)
	}
	opts.Waiting = func(holder string) {
		s.progress("%s: waiting for the sync of this source running in %s (Lease %s/%s)",
			b.Source.Name, holder, opts.Inventory.Namespace, opts.Inventory.Name)
	}
	return opts
}

// Delete deletes what the source of inv applied, as the identity s is
// applied as (the agent's garbage collection of a deleted Application).
func (s *Syncer) Delete(ctx context.Context, src source.Declaration, inv apply.Inventory) (*ssa.ChangeSet, error) {
	a, err := s.applier(&build.Built{Source: src})
	if err != nil {
		return ssa.NewChangeSet(), err
	}
	return a.Delete(ctx, inv, apply.DefaultDeleteOptions())
}

// ListNestable lists, as the caller, the inventories that may hold nested
// sources (apply.Appliers.Own().ListNestable).
func (s *Syncer) ListNestable(ctx context.Context, namespaces []string) ([]apply.InventoryRecord, bool, error) {
	return s.Appliers.Own().ListNestable(ctx, namespaces)
}

// Diff says what Sync would do to b, changing nothing: the same objects
// and options go to the applier's Diff.
func (s *Syncer) Diff(ctx context.Context, b *build.Built) ([]apply.ObjectDiff, error) {
	a, err := s.applier(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Source, err)
	}
	diffs, err := a.Diff(ctx, b.Objects, s.applyOptions(b))
	for i := range diffs {
		diffs[i].Source = b.Source.Name
		diffs[i].Diff = b.Decrypter.Redact(diffs[i].Diff) // Secrets are masked; a value elsewhere is too
	}
	return diffs, b.Decrypter.RedactError(err)
}

// Sync applies b. The result lists what was done also when it fails.
func (s *Syncer) Sync(ctx context.Context, b *build.Built) (*apply.Result, error) {
	inv := apply.InventoryOf(b.Source)
	opts := s.applyOptions(b)
	opts.Progress = func(e apply.WaveEvent) {
		if e.Waves < 2 {
			return // one wave: the lines around it say it all
		}
		if e.Healthy {
			s.progress("%s: wave %d/%d healthy", b.Source.Name, e.Wave+1, e.Waves)
		} else {
			s.progress("%s: wave %d/%d: applying %d objects", b.Source.Name, e.Wave+1, e.Waves, e.Objects)
		}
	}
	s.progress("%s: applying %d objects (inventory %s %s/%s)", b.Source.Name, len(b.Objects), inv.Kind, inv.Namespace, inv.Name)
	a, err := s.applier(b)
	if err != nil {
		return &apply.Result{Source: b.Source.Name, Revision: b.Revision, Inventory: inv, Changes: []apply.Change{}, Error: err.Error()}, err
	}
	cs, err := a.Apply(ctx, b.Objects, opts)
	res := &apply.Result{Source: b.Source.Name, Revision: b.Revision, Inventory: inv, Changes: apply.ChangesOf(cs, "")}
	if cs != nil {
		s.progress("%s: %s", b.Source.Name, apply.Summary(res.Changes))
	}
	if err != nil {
		var rejected *ssaerrors.DryRunErr
		if errors.As(err, &rejected) && rejected.InvolvedObject() != nil {
			if f := b.Files.Of(rejected.InvolvedObject()); f != "" {
				err = fmt.Errorf("%s: %w", f, rejected) // the object's file, in place of the wave
			}
		}
		// The API server may quote a value it rejects: never a decrypted one.
		err = b.Decrypter.RedactError(err)
		res.Error = err.Error()
		return res, err
	}
	s.progress("%s: healthy at %s", b.Source.Name, b.Revision)
	return res, nil
}

func (s *Syncer) progress(format string, args ...any) {
	if s.Options.Progress != nil {
		fmt.Fprintf(s.Options.Progress, format+"\n", args...)
	}
}

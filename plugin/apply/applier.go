package apply

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling"
	"github.com/fluxcd/pkg/ssa"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
)

// FieldManager is the server-side apply field manager of every object this
// package applies, and the tooling name of its ApplySets.
const FieldManager = "kubectl-gitops"

// Annotations this package reads or writes on applied objects.
const (
	// PruneAnnotation set to PruneDisabled keeps an object in the cluster
	// when it leaves its source.
	PruneAnnotation = "oamgitops.dev/prune"
	PruneDisabled   = "disabled"
	// HashAnnotation records the hash of the object as last applied.
	HashAnnotation = "oamgitops.dev/applied-hash"
)

// ErrForbidden means the identity a source is applied as (its
// ServiceAccount) may not create or patch one of its objects.
var ErrForbidden = errors.New("forbidden")

// ErrEmptySet means Apply was given no objects and ApplyOptions.AllowEmpty
// was false.
var ErrEmptySet = errors.New("the source rendered no objects: refusing to prune everything it applied before (use --allow-empty to allow it)")

// Applier applies object sets to one cluster.
type Applier struct {
	client  client.Client
	manager *ssa.ResourceManager
	tooling string
	// user is the impersonated user; "" for the caller's own identity.
	user string
	// locks takes the Leases of sources (lease.go): the caller's own
	// client, also when objects are applied as an impersonated user.
	locks  client.Client
	holder string
}

// NewApplier connects to the cluster of cfg. version is written into the
// ApplySet tooling annotation (kubectl-gitops/<version>); empty means "v0".
func NewApplier(cfg *rest.Config, version string) (*Applier, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.QPS == 0 && cfg.RateLimiter == nil {
		// client-go's default (5 requests a second, bursts of 10) made a
		// 4000-object sync take longer than its waves; the API server's
		// priority and fairness protects it.
		cfg.QPS, cfg.Burst = 500, 1000
	}
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster client: %w", err)
	}
	return newApplier(cfg, httpClient, version)
}

func newApplier(cfg *rest.Config, httpClient *http.Client, version string) (*Applier, error) {
	mapper, err := apiutil.NewDynamicRESTMapper(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("cluster client: %w", err)
	}
	c, err := client.New(cfg, client.Options{HTTPClient: httpClient, Mapper: mapper})
	if err != nil {
		return nil, fmt.Errorf("cluster client: %w", err)
	}
	poller := polling.NewStatusPoller(c, mapper, polling.Options{})
	manager := ssa.NewResourceManager(c, poller, ssa.Owner{Field: FieldManager, Group: "oamgitops.dev"})
	manager.SetConcurrency(Concurrency)
	if version == "" {
		version = "v0"
	}
	return &Applier{client: c, manager: manager, tooling: FieldManager + "/" + version, locks: c, holder: holderIdentity()}, nil
}

// Inventory names the ApplySet parent of a source: a ConfigMap or a Secret.
type Inventory struct {
	// Kind is ConfigMap or Secret.
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// ApplyOptions configures one Apply.
type ApplyOptions struct {
	// Inventory is the ApplySet parent of the source. Required.
	Inventory Inventory
	// AllowEmpty lets an empty object set prune everything the previous
	// apply left. Default false: an empty set fails with ErrEmptySet.
	AllowEmpty bool
	// Prune deletes members of the previous set that are not in this one.
	// Default true.
	Prune bool
	// WaveTimeout bounds the wait for each wave to become healthy.
	// Default 5 minutes.
	WaveTimeout time.Duration
	// PollInterval is how often health is polled. Default 2 seconds.
	PollInterval time.Duration
	// Health judges objects before kstatus does: objects it gives a
	// verdict for are healthy when it says so (see DefinitionHealth).
	// Default nil: kstatus judges every object.
	Health HealthFunc
	// Revision is what the objects were rendered from (a commit): the
	// inventory records it, and adds it to its history, once every wave
	// is healthy. Default "": no revision is recorded.
	Revision string
	// Applications are the Applications the objects were rendered from:
	// the inventory records the type and traits of each component from
	// them. Default nil: from the labels of the rendered objects (which
	// do not name patch traits such as scaler).
	Applications []*oam.Application
	// Source says where the objects come from; the inventory records it.
	// Default nil: the record of the previous apply stays.
	Source *SourceRecord
	// Now is the clock of the history. Default nil: time.Now.
	Now func() time.Time
	// Progress is told when each wave starts and when it is healthy.
	// Default nil: nothing is told.
	Progress func(WaveEvent)
	// LockWait is how long to wait while another sync of the source holds
	// its Lease. Default DefaultLockWait; negative: take no Lease.
	LockWait time.Duration
	// Waiting is told which holder a sync waits for. Default nil.
	Waiting func(holder string)
}

func (o ApplyOptions) lockWait() time.Duration {
	if o.LockWait == 0 {
		return DefaultLockWait
	}
	return o.LockWait
}

// WaveEvent reports the progress of one wave.
type WaveEvent struct {
	// Wave counts from 0; Waves is how many there are.
	Wave, Waves int
	// Objects is how many objects the wave holds.
	Objects int
	// Healthy is false when the wave starts, true when it is healthy.
	Healthy bool
}

func (o ApplyOptions) progress(e WaveEvent) {
	if o.Progress != nil {
		o.Progress(e)
	}
}

// DefaultApplyOptions returns options for inventory inv.
func DefaultApplyOptions(inv Inventory) ApplyOptions {
	return ApplyOptions{Inventory: inv, Prune: true, WaveTimeout: 5 * time.Minute, PollInterval: 2 * time.Second}
}

func (inv Inventory) validate() error {
	if inv.Kind != "ConfigMap" && inv.Kind != "Secret" {
		return fmt.Errorf("inventory %s %s/%s: kind must be ConfigMap or Secret", inv.Kind, inv.Namespace, inv.Name)
	}
	if inv.Namespace == "" || inv.Name == "" {
		return fmt.Errorf("inventory %s %s/%s: namespace and name are required", inv.Kind, inv.Namespace, inv.Name)
	}
	return nil
}

func (o ApplyOptions) validate() error {
	if err := o.Inventory.validate(); err != nil {
		return err
	}
	if o.WaveTimeout <= 0 || o.PollInterval <= 0 {
		return fmt.Errorf("wave timeout and poll interval must be positive")
	}
	return nil
}

// Apply makes the cluster hold objects, wave by wave, records them in the
// inventory's ApplySet and prunes what left the set. It returns what it did
// to each object, also when it fails part way. objects are not modified.
func (a *Applier) Apply(ctx context.Context, objects []*unstructured.Unstructured, opts ApplyOptions) (*ssa.ChangeSet, error) {
	changes := ssa.NewChangeSet()
	if err := opts.validate(); err != nil {
		return changes, err
	}
	set, objects, err := a.newSet(objects, opts)
	if err != nil {
		return changes, err
	}
	waves, err := planWaves(objects)
	if err != nil {
		return changes, err
	}
	if a.user != "" {
		if err := a.authorize(ctx, set, objects); err != nil {
			return changes, err
		}
	}
	release, err := a.lockSource(ctx, opts.Inventory, opts.lockWait(), opts.Waiting)
	if err != nil {
		return changes, err
	}
	defer release()
	previous, err := a.readParent(ctx, set)
	if err != nil {
		return changes, err
	}
	// Record the union of the old and new kinds first, so an interrupted
	// apply leaves every member findable.
	// When the source creates the parent's namespace, that waits for wave 0.
	parentPending := false
	if err := a.writeParent(ctx, set, previous, true, previous.record); err != nil {
		if !apierrors.IsNotFound(err) || !createsNamespace(objects, set.parent.Namespace) {
			return changes, err
		}
		parentPending = true
	}
	observed := map[objKey]ObjectHealth{}
	for i, w := range waves {
		if err := a.waitHealthy(ctx, i, w.external, opts, map[objKey]ObjectHealth{}); err != nil {
			return changes, a.recordFailure(ctx, set, previous, parentPending, objects, observed, opts, err)
		}
		opts.progress(WaveEvent{Wave: i, Waves: len(waves), Objects: len(w.objects)})
		cs, err := a.applyObjects(ctx, w.objects)
		if cs != nil {
			changes.Append(cs.Entries)
		}
		if err != nil {
			return changes, fmt.Errorf("wave %d: %w", i, err)
		}
		if err := a.waitHealthy(ctx, i, w.objects, opts, observed); err != nil {
			return changes, a.recordFailure(ctx, set, previous, parentPending, objects, observed, opts, err)
		}
		opts.progress(WaveEvent{Wave: i, Waves: len(waves), Objects: len(w.objects), Healthy: true})
		if parentPending {
			if err := a.writeParent(ctx, set, previous, true, previous.record); err != nil {
				return changes, err
			}
			parentPending = false
		}
	}
	if opts.Prune {
		if err := a.checkVersion(ctx, set); err != nil {
			return changes, err
		}
		kept, err := a.prune(ctx, set, previous, changes, opts)
		if err != nil {
			return changes, err
		}
		for _, obj := range kept {
			set.addMember(obj)
		}
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	rec := previous.record.applied(opts.Revision, now())
	rec.components = componentHealth(objects, observed, opts.Applications)
	if opts.Source != nil {
		rec.source = opts.Source
	}
	return changes, a.writeParent(ctx, set, previous, !opts.Prune, rec)
}

// newSet copies objects and labels them members of the set of
// opts.Inventory, refusing what Apply and Diff both refuse: an empty set
// unless AllowEmpty, and the inventory itself among the objects.
func (a *Applier) newSet(objects []*unstructured.Unstructured, opts ApplyOptions) (*applySet, []*unstructured.Unstructured, error) {
	if len(objects) == 0 && !opts.AllowEmpty {
		return nil, nil, ErrEmptySet
	}
	set := newApplySet(opts.Inventory, a.tooling)
	objects = copyObjects(objects)
	for _, obj := range objects {
		if obj.GetName() == set.parent.Name && obj.GetNamespace() == set.parent.Namespace &&
			obj.GroupVersionKind().GroupKind() == set.parentGK() {
			return nil, nil, fmt.Errorf("%s: is the inventory of this source and cannot be one of its objects", subject(obj))
		}
		set.addMember(obj)
	}
	return set, objects, nil
}

// recordFailure records the health of the components in the parent after
// a wave did not become healthy, and returns err. The revision and history
// stay those of the last apply that became healthy.
func (a *Applier) recordFailure(ctx context.Context, set *applySet, prev previousSet, parentPending bool,
	objects []*unstructured.Unstructured, observed map[objKey]ObjectHealth, opts ApplyOptions, err error) error {
	var nh *NotHealthyError
	if parentPending || !errors.As(err, &nh) {
		return err
	}
	rec := prev.record
	rec.components = componentHealth(objects, observed, opts.Applications)
	if opts.Source != nil {
		rec.source = opts.Source
	}
	if werr := a.writeParent(ctx, set, prev, true, rec); werr != nil {
		return errors.Join(err, werr)
	}
	return err
}

func copyObjects(objects []*unstructured.Unstructured) []*unstructured.Unstructured {
	out := make([]*unstructured.Unstructured, len(objects))
	for i, o := range objects {
		out[i] = o.DeepCopy()
	}
	return out
}

// Subject names an object in messages, as ssa does: Kind/namespace/name,
// or Kind/name for a cluster-scoped one.
func Subject(kind, namespace, name string) string {
	if namespace == "" {
		return kind + "/" + name
	}
	return kind + "/" + namespace + "/" + name
}

func subject(obj *unstructured.Unstructured) string {
	return Subject(obj.GetKind(), obj.GetNamespace(), obj.GetName())
}

func createsNamespace(objects []*unstructured.Unstructured, ns string) bool {
	for _, obj := range objects {
		if obj.GetKind() == "Namespace" && obj.GroupVersionKind().Group == "" && obj.GetName() == ns {
			return true
		}
	}
	return false
}

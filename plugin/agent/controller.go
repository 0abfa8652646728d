package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/imageauto"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/plugin/status"
	"github.com/oamgitops/kubectl-gitops/plugin/watch"
)

// InventoryReader reads what a source's inventory records (an
// *apply.Applier).
type InventoryReader interface {
	ReadInventory(ctx context.Context, inv apply.Inventory) (*apply.InventoryRecord, error)
}

var _ InventoryReader = (*apply.Applier)(nil)

// StatusWriter writes an Application's status subresource.
type StatusWriter interface {
	WriteStatus(ctx context.Context, app *unstructured.Unstructured, status map[string]any) error
}

// Options configure a Controller.
type Options struct {
	// Loop is the pull loop each source is stepped with: its Fetcher,
	// Syncer, DriftSyncer and Options (intervals, retry delay, Progress).
	// Its clock is replaced by Clock; its Tasks are not run.
	Loop *watch.Loop
	// Inventories are read after each sync for the Applications' services.
	Inventories InventoryReader
	// Status writes the Applications' status.
	Status StatusWriter
	// Events records an Event on the Applications for each sync, prune and
	// failure; nil records none.
	Events record.EventRecorder
	// Metrics counts syncs for /metrics; nil counts nothing.
	Metrics *Metrics
	// Concurrent is how many sources sync at once. Default 4.
	Concurrent int
	// Clock schedules everything. Default the real clock.
	Clock clock.WithTicker
	// Progress gets one line per event of the agent itself; nil discards.
	Progress io.Writer
	// ImageUpdate runs image automation on the sources the Applications
	// declare, every ImageInterval; changed says it pushed to Git. Nil or
	// a zero interval runs none.
	ImageUpdate   func(ctx context.Context, srcs []imageauto.Source) (changed bool, err error)
	ImageInterval time.Duration
	// Collector and Finalizers garbage-collect what the sources of a
	// deleted Application applied (see Finalizer). Nil: no finalizer is
	// put on Applications, and what a deleted one applied stays.
	Collector  Collector
	Finalizers FinalizerWriter
}

// Controller keeps the sources of the Applications it is given in step
// with Git. SetApplication and DeleteApplication feed it (from an
// informer, see Run); the workers of Start step the sources.
type Controller struct {
	o Options
	// queue holds the sources to step, statusQueue the Applications whose
	// status to write: statuses have workers of their own, so a busy
	// fleet of sources never holds them back.
	queue, statusQueue workqueue.TypedRateLimitingInterface[item]
	ready              atomic.Bool

	mu      sync.Mutex
	apps    map[string]*appState
	sources map[string]*tracked
	// resetApps are Applications to set again once a change is done
	// (reconsider).
	resetApps []string
	// collect are the sources to garbage-collect, by source key.
	collect map[string]*collection
}

// item is a queue key: a source to step or an Application whose status
// to write.
type item struct {
	source string // a source.Declaration key
	app    string // namespace/name
}

// appState is one Application as the controller last saw it.
type appState struct {
	obj  *unstructured.Unstructured
	decl declared
	// observed is the generation whose declaration every source has
	// stepped on; waitFor are the step counts its sources must pass first.
	observed int64
	gen      int64
	waitFor  map[string]int
	// deleting is set once the Application has a deletion timestamp and
	// the finalizer; gc are the sources still to collect before the
	// finalizer comes off.
	deleting bool
	gc       map[string]bool
	// refused are the sources, by key, this Application declares with
	// settings other than those another Application syncs them with.
	refused map[string]error
}

// tracked is one declared source.
type tracked struct {
	src  source.Declaration
	apps map[string]bool
	// refused are the Applications whose declaration of the source was
	// refused for other settings (conflict); they are set again when the
	// source's declarers or settings change.
	refused map[string]bool
	// tree and observers are used only by the worker holding the key.
	tree      *watch.Tree
	observers []*observer
	// pending is a new declaration and pullNow a request to fetch now, for
	// the worker to take at its next step.
	pending *source.Declaration
	pullNow bool
	// steps counts the steps done; last is what the last one left.
	steps int
	last  status.SourceStep
}

// New checks o and makes a Controller.
func New(o Options) (*Controller, error) {
	if o.Loop == nil || o.Inventories == nil || o.Status == nil {
		return nil, errors.New("agent: a Loop, an InventoryReader and a StatusWriter are required")
	}
	if (o.Collector == nil) != (o.Finalizers == nil) {
		return nil, errors.New("agent: garbage collection needs both a Collector and a FinalizerWriter")
	}
	if o.Concurrent == 0 {
		o.Concurrent = 4
	}
	if o.Concurrent < 0 {
		return nil, fmt.Errorf("agent: %d concurrent syncs: want at least 1", o.Concurrent)
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	loop := *o.Loop
	loop.Options.Now = o.Clock.Now
	o.Loop = &loop
	newQueue := func() workqueue.TypedRateLimitingInterface[item] {
		limiter := workqueue.NewTypedItemExponentialFailureRateLimiter[item](time.Second, 5*time.Minute)
		return workqueue.NewTypedRateLimitingQueueWithConfig(limiter, workqueue.TypedRateLimitingQueueConfig[item]{Clock: o.Clock})
	}
	c := &Controller{o: o, queue: newQueue(), statusQueue: newQueue(), apps: map[string]*appState{}, sources: map[string]*tracked{},
		collect: map[string]*collection{}}
	if o.Metrics != nil {
		o.Metrics.setQueue(func() int { return c.queue.Len() + c.statusQueue.Len() })
	}
	return c, nil
}

// Ready says the Applications were listed once (the informer synced).
func (c *Controller) Ready() bool { return c.ready.Load() }

// Start runs the workers (and image automation) until ctx is done, then
// shuts the queue down and waits for them: a sync in flight is cancelled
// with ctx and synced again by whoever runs next.
func (c *Controller) Start(ctx context.Context) {
	var wg sync.WaitGroup
	for range c.o.Concurrent {
		wg.Go(func() {
			for c.processNext(ctx, c.queue) {
			}
		})
	}
	for range statusWorkers {
		wg.Go(func() {
			for c.processNext(ctx, c.statusQueue) {
			}
		})
	}
	if c.o.ImageUpdate != nil && c.o.ImageInterval > 0 {
		wg.Go(func() { c.runImages(ctx) })
	}
	<-ctx.Done()
	c.queue.ShutDown()
	c.statusQueue.ShutDown()
	wg.Wait()
}

// statusWorkers write Application statuses: a read of memory and at most
// one request each.
const statusWorkers = 2

func (c *Controller) processNext(ctx context.Context, q workqueue.TypedRateLimitingInterface[item]) bool {
	it, shutdown := q.Get()
	if shutdown {
		return false
	}
	defer q.Done(it)
	if ctx.Err() != nil {
		return true
	}
	if it.source != "" {
		c.stepSource(ctx, it.source)
		return true
	}
	if err := c.writeStatus(ctx, it.app); err != nil && ctx.Err() == nil {
		c.progress("agent: Application %s: %v (retrying)", it.app, err)
		q.AddRateLimited(it)
		return true
	}
	q.Forget(it)
	return true
}

// stepSource does what is due for one source, records what it left, asks
// for the status of the Applications declaring it, and queues it again
// for when it is due next.
func (c *Controller) stepSource(ctx context.Context, key string) {
	c.mu.Lock()
	tr := c.sources[key]
	if tr == nil {
		col := c.collect[key]
		c.mu.Unlock()
		if col != nil {
			c.collectSource(ctx, key, col)
		}
		return // no Application declares it any more
	}
	if tr.tree == nil {
		tree, observers, err := c.newTree(key, tr.src)
		if err != nil {
			c.mu.Unlock()
			c.progress("agent: %s: %v", tr.src.Name, err)
			return
		}
		tr.tree, tr.observers = tree, observers
	}
	if tr.pending != nil {
		_ = tr.tree.SetRoot(*tr.pending) // same key: cannot fail
		tr.pending = nil
	}
	if tr.pullNow {
		tr.tree.PullNow()
		tr.pullNow = false
	}
	tree, records := tr.tree, tr.last.Records
	c.mu.Unlock()

	start := c.o.Clock.Now()
	step := tree.Step(ctx)
	if ctx.Err() != nil {
		return
	}
	c.o.Metrics.observeStep(tree.Sources()[0].Name, c.o.Clock.Since(start))
	c.eventStepErrors(key, step.Errors, tr.observers...)
	if step.Synced || records == nil {
		records = c.readInventories(ctx, tree.Sources())
	}
	applied, attempted := tree.Revisions()
	snap := status.SourceStep{Stepped: true, Applied: applied, Attempted: attempted, Err: errors.Join(step.Errors...), Records: records}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sources[key] != tr {
		return // dropped while it stepped
	}
	tr.steps++
	tr.last = snap
	for app := range tr.apps {
		c.statusQueue.Add(item{app: app})
	}
	if d := step.Next.Sub(c.o.Clock.Now()); d > 0 {
		c.queue.AddAfter(item{source: key}, d)
	} else {
		c.queue.Add(item{source: key})
	}
}

// readInventories reads the records of srcs that have an inventory.
func (c *Controller) readInventories(ctx context.Context, srcs []source.Declaration) []apply.InventoryRecord {
	out := []apply.InventoryRecord{}
	for _, s := range srcs {
		rec, err := c.o.Inventories.ReadInventory(ctx, apply.InventoryOf(s))
		if err == nil {
			out = append(out, *rec)
		}
	}
	return out
}

// newTree starts the schedule of a source; its syncs are observed for
// Events and metrics.
func (c *Controller) newTree(key string, src source.Declaration) (*watch.Tree, []*observer, error) {
	loop := *c.o.Loop
	drift := loop.DriftSyncer
	if drift == nil {
		drift = loop.Syncer
	}
	syncs := &observer{Syncer: loop.Syncer, c: c, key: key}
	drifts := &observer{Syncer: drift, c: c, key: key, drift: true}
	loop.Syncer, loop.DriftSyncer = syncs, drifts
	tree, err := loop.NewTree(src)
	return tree, []*observer{syncs, drifts}, err
}

// runImages runs image automation every ImageInterval on the image
// sources of the Applications; when it pushed, every source is fetched at
// once so what it pushed rolls out now.
func (c *Controller) runImages(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.o.Clock.After(c.o.ImageInterval):
		}
		changed, err := c.o.ImageUpdate(ctx, c.imageSources())
		if err != nil && ctx.Err() == nil {
			c.progress("agent: image automation: %v", err)
		}
		if changed {
			c.mu.Lock()
			for key, tr := range c.sources {
				tr.pullNow = true
				c.queue.Add(item{source: key})
			}
			c.mu.Unlock()
		}
	}
}

func (c *Controller) imageSources() []imageauto.Source {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []imageauto.Source
	for _, key := range slices.Sorted(maps.Keys(c.apps)) {
		out = append(out, c.apps[key].decl.images...)
	}
	return out
}

func (c *Controller) progress(format string, args ...any) {
	if c.o.Progress != nil {
		fmt.Fprintf(c.o.Progress, format+"\n", args...)
	}
}

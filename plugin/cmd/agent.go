package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"reflect"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/imageauto"
	"github.com/oamgitops/kubectl-gitops/plugin/reconcile"
	"github.com/oamgitops/kubectl-gitops/plugin/watch"
)

// ApplicationResource is the resource of OAM Applications.
var ApplicationResource = schema.GroupVersionResource{Group: "core.oam.dev", Version: "v1beta1", Resource: "applications"}

// AgentOptions run pull mode in the cluster: watch the kustomize sources
// of the Applications in the cluster and write their status.
type AgentOptions struct {
	SourceOptions
	// Timeout bounds the wait for each wave to become healthy.
	Timeout time.Duration
	// AllowEmpty lets a source that renders nothing prune everything.
	AllowEmpty bool
	// Interval is how often the Applications are read and their status
	// written, and how often a source without a pullInterval is fetched.
	Interval time.Duration
	// DriftInterval is how often the last revision is synced again.
	DriftInterval time.Duration
	// HealthAddr is where /healthz and /readyz listen; empty for none.
	HealthAddr string
	// ImageInterval is how often image automation runs on the sources;
	// zero turns it off.
	ImageInterval time.Duration

	// Filled by Complete: the namespace of the Applications, "" for all.
	appNamespace string
}

// NewCmdAgent builds `kubectl gitops agent`.
func NewCmdAgent(streams IOStreams) *cobra.Command {
	o := &AgentOptions{SourceOptions: newSourceOptions(streams)}
	d := watch.DefaultOptions()
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Pull mode in the cluster: keep the cluster in step with the sources of its Applications",
		Long: "What the Deployment of `kubectl gitops install` runs. Every --interval it reads the Applications in\n" +
			"the cluster (all namespaces, or -n); their `type: kustomize` components are the sources it watches\n" +
			"as `kubectl gitops watch` does (new commits synced, drift repaired, nested sources followed). When\n" +
			"the set of sources changes, the watch restarts with the new set: a re-sync of an unchanged revision\n" +
			"sends no writes, so a restart is cheap. A source no Application declares any more is not watched;\n" +
			"what it applied stays in the cluster. Each Application's status (PHASE, HEALTHY and STATUS of\n" +
			"`kubectl get applications`) is written from what the syncs recorded. /healthz and /readyz answer on\n" +
			"--health-addr. Stops on SIGTERM or Ctrl-C.",
		Example: "  kubectl gitops agent --health-addr :8081\n" +
			"  kubectl gitops agent -n team-a --interval 30s",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
			defer stop()
			cmd.SetContext(ctx)
			return runE(o)(cmd, args)
		},
	}
	o.ConfigFlags.AddFlags(cmd.Flags())
	o.SourceOptions.addBuildFlags(cmd.Flags())
	cmd.Flags().StringVar(&o.ClusterVersion, "cluster-version", "", "Kubernetes version templates target (default: the cluster's)")
	cmd.Flags().DurationVar(&o.Timeout, "timeout", 5*time.Minute, "how long each wave may take to become healthy")
	cmd.Flags().BoolVar(&o.AllowEmpty, "allow-empty", false, "let a source that renders no objects prune everything it applied before")
	cmd.Flags().DurationVar(&o.Interval, "interval", d.Interval,
		"how often to read the Applications and write their status, and to fetch a source that sets no pullInterval")
	cmd.Flags().DurationVar(&o.DriftInterval, "drift-interval", d.DriftInterval, "how often to sync the last revision again to repair drift")
	cmd.Flags().StringVar(&o.HealthAddr, "health-addr", "", "address of the /healthz and /readyz endpoints, e.g. :8081 (default none)")
	cmd.Flags().DurationVar(&o.ImageInterval, "image-interval", time.Minute,
		"how often to run image automation (`image update` on the Applications' sources, then a sync of what it pushed); 0 turns it off")
	return cmd
}

// Complete reads the kubeconfig; -n given on the command line limits the
// Applications to one namespace.
func (o *AgentOptions) Complete(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("agent takes no arguments, got %q; it watches the Applications in the cluster", args)
	}
	if err := o.complete(nil); err != nil {
		return err
	}
	if o.ConfigFlags.Namespace != nil {
		o.appNamespace = *o.ConfigFlags.Namespace
	}
	return nil
}

// Validate checks the options.
func (o *AgentOptions) Validate() error {
	switch {
	case o.Timeout <= 0:
		return errors.New("--timeout must be positive")
	case o.Interval <= 0:
		return errors.New("--interval must be positive")
	case o.DriftInterval <= 0:
		return errors.New("--drift-interval must be positive")
	case o.ImageInterval < 0:
		return errors.New("--image-interval must not be negative")
	}
	return nil
}

// Run works until ctx is done.
func (o *AgentOptions) Run(ctx context.Context) error {
	o.ErrOut = &lockedWriter{w: o.ErrOut} // the watch goroutine writes too
	client, err := kubernetes.NewForConfig(o.restConfig)
	if err != nil {
		return fmt.Errorf("cluster client: %w", err)
	}
	dc, err := dynamic.NewForConfig(o.restConfig)
	if err != nil {
		return fmt.Errorf("cluster client: %w", err)
	}
	base, applier, err := o.SourceOptions.pullLoop(client, pullSettings{o.Timeout, o.AllowEmpty, o.Interval, o.DriftInterval})
	if err != nil {
		return err
	}
	u, err := o.SourceOptions.imageUpdateOptions().updater()
	if err != nil {
		return err
	}
	a := &agent{o: o, apps: dc.Resource(ApplicationResource), applier: applier,
		newLoop: func(images []imageauto.Source) *watch.Loop {
			l := *base
			if o.ImageInterval > 0 && len(images) > 0 {
				l.Tasks = []watch.Task{imageTask(u, images, o.ImageInterval, o.ErrOut)}
			}
			return &l
		}}
	if o.HealthAddr != "" {
		stop, err := a.serveHealth(o.HealthAddr)
		if err != nil {
			return err
		}
		defer stop()
	}
	where := "all namespaces"
	if o.appNamespace != "" {
		where = "namespace " + o.appNamespace
	}
	fmt.Fprintf(o.ErrOut, "agent: watching the Applications of %s every %s; drift checks every %s\n", where, o.Interval, o.DriftInterval)
	a.run(ctx)
	fmt.Fprintln(o.ErrOut, "agent stopped")
	return nil
}

// agent is the state of one Run.
type agent struct {
	o       *AgentOptions
	apps    dynamic.NamespaceableResourceInterface
	applier *apply.Applier
	newLoop func(images []imageauto.Source) *watch.Loop
	ready   atomic.Bool

	roots    []reconcile.Source
	images   []imageauto.Source
	started  bool
	stopLoop func()
	// reported holds the errors of Applications already reported.
	reported map[string]string
}

// run reads the Applications every interval until ctx is done.
func (a *agent) run(ctx context.Context) {
	defer a.restart(ctx, nil, nil)
	for {
		if err := a.once(ctx); err != nil && ctx.Err() == nil {
			fmt.Fprintf(a.o.ErrOut, "agent: %v (retry in %s)\n", err, a.o.Interval)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(a.o.Interval):
		}
	}
}

// once reads the Applications, restarts the watch when their sources
// changed, and writes their status.
func (a *agent) once(ctx context.Context) error {
	list, err := a.apps.Namespace(a.o.appNamespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list Applications: %w", err)
	}
	a.ready.Store(true)
	apps := list.Items
	sort.Slice(apps, func(i, j int) bool { return appKeyOf(&apps[i]) < appKeyOf(&apps[j]) })
	roots, images, appErrs := agentRoots(apps)
	reported := map[string]string{}
	for _, key := range keys(appErrs) {
		msg := appErrs[key].Error()
		if a.reported[key] != msg { // once, not every interval
			fmt.Fprintf(a.o.ErrOut, "agent: Application %s: %s\n", key, msg)
		}
		reported[key] = msg
	}
	a.reported = reported
	if !a.started || !slices.Equal(roots, a.roots) || !reflect.DeepEqual(images, a.images) {
		a.started = true
		a.restart(ctx, roots, images)
	}
	return a.writeStatuses(ctx, apps, roots, appErrs)
}

// restart stops the running watch, if any, and starts one on roots, if
// any. The watch is stopped between two steps or in the middle of one (a
// sync cancelled midway is synced again by the new watch).
func (a *agent) restart(ctx context.Context, roots []reconcile.Source, images []imageauto.Source) {
	if a.stopLoop != nil {
		a.stopLoop()
		a.stopLoop = nil
	}
	a.roots, a.images = roots, images
	if ctx.Err() != nil {
		return
	}
	if len(roots) == 0 {
		fmt.Fprintln(a.o.ErrOut, "agent: no Application declares a kustomize source: nothing to watch")
		return
	}
	fmt.Fprintf(a.o.ErrOut, "agent: watching %s\n", describe(roots, a.o.Interval))
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	loop := a.newLoop(images)
	go func() {
		defer close(done)
		if err := loop.Run(lctx, roots); err != nil {
			fmt.Fprintf(a.o.ErrOut, "agent: %v\n", err)
		}
	}()
	a.stopLoop = func() {
		cancel()
		<-done
	}
}

// agentRoots are the kustomize sources of apps, sorted by namespace,
// Application and component, and the same sources with their
// imageRepository blocks for image automation; an Application that does
// not parse gives an error under its key (namespace/name) and no source.
func agentRoots(apps []unstructured.Unstructured) ([]reconcile.Source, []imageauto.Source, map[string]error) {
	var roots []reconcile.Source
	var images []imageauto.Source
	errs := map[string]error{}
	for i := range apps {
		app := &apps[i]
		m := map[string]any{"apiVersion": app.GetAPIVersion(), "kind": app.GetKind(),
			"metadata": map[string]any{"name": app.GetName(), "namespace": app.GetNamespace()}, "spec": app.Object["spec"]}
		node, err := yaml.FromMap(m)
		if err == nil {
			var srcs []reconcile.Source
			srcs, err = reconcile.FromApplications([]*yaml.RNode{node}, app.GetNamespace(), "")
			roots = append(roots, srcs...)
		}
		if err == nil {
			var imgs []imageauto.Source
			imgs, err = imageauto.FromApplications([]*yaml.RNode{node}, app.GetNamespace(), "")
			images = append(images, imgs...)
		}
		if err != nil {
			errs[appKeyOf(app)] = err
		}
	}
	sort.SliceStable(roots, func(i, j int) bool {
		x, y := roots[i], roots[j]
		if x.Namespace != y.Namespace {
			return x.Namespace < y.Namespace
		}
		if x.App != y.App {
			return x.App < y.App
		}
		return x.Index < y.Index
	})
	sort.SliceStable(images, func(i, j int) bool {
		x, y := images[i].Git, images[j].Git
		if x.Namespace != y.Namespace {
			return x.Namespace < y.Namespace
		}
		if x.App != y.App {
			return x.App < y.App
		}
		return x.Index < y.Index
	})
	return roots, images, errs
}

func appKeyOf(app *unstructured.Unstructured) string { return app.GetNamespace() + "/" + app.GetName() }

// serveHealth answers /healthz (the process runs) and /readyz (the
// Applications could be read) on addr, and says where.
func (a *agent) serveHealth(addr string) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--health-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !a.ready.Load() {
			http.Error(w, "the Applications were not read yet", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with ErrServerClosed on stop
	fmt.Fprintf(a.o.ErrOut, "agent: health endpoints on http://%s/healthz and /readyz\n", ln.Addr())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// lockedWriter serialises writes from the agent and its watch.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

var _ io.Writer = (*lockedWriter)(nil)

// keys lists the keys of errs sorted, for messages.
func keys(errs map[string]error) []string {
	out := make([]string, 0, len(errs))
	for k := range errs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

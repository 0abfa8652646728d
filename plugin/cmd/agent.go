package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/oamgitops/kubectl-gitops/internal/syncio"
	"github.com/oamgitops/kubectl-gitops/plugin/agent"
	"github.com/oamgitops/kubectl-gitops/plugin/imageauto"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
)

// ApplicationResource is the resource of OAM Applications.
var ApplicationResource = agent.ApplicationResource

// AgentOptions run pull mode in the cluster: a controller on the
// Applications that keeps their kustomize sources in step and writes their
// status.
type AgentOptions struct {
	SourceOptions
	PullFlags
	// Concurrent is how many sources sync at once.
	Concurrent int
	// LabelSelector limits the Applications to a shard.
	LabelSelector string
	// HealthAddr is where /healthz and /readyz listen; MetricsAddr where
	// /metrics does. Empty for none.
	HealthAddr, MetricsAddr string
	// LeaderElect runs the controller only while this replica holds the
	// Lease LeaderElectionID in LeaderElectionNamespace.
	LeaderElect                               bool
	LeaderElectionID, LeaderElectionNamespace string

	// ReusePort lets replicas on one node's host network share the health
	// and metrics ports.
	ReusePort bool
	// Profiling serves Go's /debug/pprof/ beside /metrics.
	Profiling bool

	// Filled by Complete: the namespace of the Applications, "" for all.
	appNamespace string
}

// NewCmdAgent builds `kubectl gitops agent`.
func NewCmdAgent(streams IOStreams) *cobra.Command {
	o := &AgentOptions{SourceOptions: newSourceOptions(streams)}
	o.terminal = false // a tenant's source never decrypts with the agent's own keys
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Pull mode in the cluster: a controller keeping the cluster in step with its Applications' sources",
		Long: "What the Deployment of `kubectl gitops install` runs. It watches the Applications in the cluster\n" +
			"(all namespaces, or -n; those matching --watch-label-selector when sharded); their `type: kustomize`\n" +
			"components are its sources. Each source is fetched every pullInterval (else --interval) and a new\n" +
			"revision synced; every --drift-interval the last revision is synced again, repairing drift; a\n" +
			"failure is retried with backoff. Up to --concurrent sources sync at once, one sync per source at a\n" +
			"time. A source an Application no longer declares is not watched; what it applied stays. Deleting\n" +
			"an Application deletes what its sources applied first (the agent's finalizer, oamgitops.dev/finalizer,\n" +
			"holds it meanwhile), except a source with `prune: false` or one another Application declares too.\n" +
			"Each Application gets status.conditions (Ready, Reconciling, Stalled), observedGeneration, the last\n" +
			"applied and attempted revisions, and KubeVela's status.status and status.services, so\n" +
			"`kubectl wait --for=condition=Ready applications --all` works; each sync, prune and failure is an\n" +
			"Event on the Application. /healthz and /readyz answer on --health-addr, /metrics on --metrics-addr.\n" +
			"With --leader-elect only the replica holding the Lease acts. Stops on SIGTERM or Ctrl-C.",
		Example: "  kubectl gitops agent --health-addr :8081 --metrics-addr :8080\n" +
			"  kubectl gitops agent -n team-a --interval 30s\n" +
			"  kubectl gitops agent --leader-elect --watch-label-selector oamgitops.dev/shard=shard1",
		RunE: runUntilSignal(o),
	}
	o.ConfigFlags.AddFlags(cmd.Flags())
	o.SourceOptions.addBuildFlags(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&o.ClusterVersion, "cluster-version", "", "Kubernetes version templates target (default: the cluster's)")
	o.PullFlags.addFlags(f, "the Applications' sources")
	f.IntVar(&o.Concurrent, "concurrent", 4, "how many sources may sync at once")
	f.StringVar(&o.LabelSelector, "watch-label-selector", "", "reconcile only the Applications matching this label selector, e.g. oamgitops.dev/shard=shard1")
	f.StringVar(&o.HealthAddr, "health-addr", "", "address of the /healthz and /readyz endpoints, e.g. :8081 (default none)")
	f.StringVar(&o.MetricsAddr, "metrics-addr", "", "address of the Prometheus /metrics endpoint, e.g. :8080 (default none)")
	f.BoolVar(&o.ReusePort, "reuse-port", false, "share the health and metrics ports with other replicas on the node (SO_REUSEPORT; install sets it with --host-network)")
	f.BoolVar(&o.Profiling, "pprof", false, "also serve Go's profiles on --metrics-addr under /debug/pprof/")
	f.BoolVar(&o.LeaderElect, "leader-elect", false, "act only while holding the leader Lease, so one of several replicas applies")
	f.StringVar(&o.LeaderElectionID, "leader-election-id", "kubectl-gitops-agent", "name of the leader Lease")
	f.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", "", "namespace of the leader Lease (default $POD_NAMESPACE)")
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
	if o.LeaderElectionNamespace == "" {
		o.LeaderElectionNamespace = os.Getenv("POD_NAMESPACE")
	}
	return nil
}

// Validate checks the options.
func (o *AgentOptions) Validate() error {
	if err := o.PullFlags.validate(); err != nil {
		return err
	}
	switch {
	case o.Concurrent < 1:
		return fmt.Errorf("--concurrent %d: want at least 1", o.Concurrent)
	case o.Profiling && o.MetricsAddr == "":
		return errors.New("--pprof needs --metrics-addr, where the profiles are served")
	case o.LeaderElect && o.LeaderElectionNamespace == "":
		return errors.New("--leader-elect needs --leader-election-namespace (or $POD_NAMESPACE)")
	}
	if _, err := labels.Parse(o.LabelSelector); err != nil {
		return fmt.Errorf("--watch-label-selector %q: %w", o.LabelSelector, err)
	}
	return nil
}

// Run works until ctx is done.
func (o *AgentOptions) Run(ctx context.Context) error {
	o.ErrOut = syncio.NewWriter(o.ErrOut) // the workers write too
	client, err := kubernetes.NewForConfig(o.restConfig)
	if err != nil {
		return fmt.Errorf("cluster client: %w", err)
	}
	dc, err := dynamic.NewForConfig(o.restConfig)
	if err != nil {
		return fmt.Errorf("cluster client: %w", err)
	}
	trees := &gitrepo.Trees{}
	defer trees.Close()
	loop, syncer, err := o.SourceOptions.pullLoop(client, o.PullFlags.settings(trees))
	if err != nil {
		return err
	}
	// Restarted in its Pod (same host name), the agent takes back at once
	// the Leases of the syncs it was killed in.
	if host, err := os.Hostname(); err == nil {
		syncer.Appliers.HoldAs("kubectl-gitops-agent/" + host)
	}
	u, err := o.SourceOptions.imageUpdateOptions().updater()
	if err != nil {
		return err
	}
	u.Fetch.Trees = trees // image passes read the checkouts the syncs read
	events, stopEvents := agent.NewEventRecorder(client, "kubectl-gitops-agent")
	defer stopEvents()
	metrics := agent.NewMetrics()
	writer := agent.StatusApplier{Client: dc}
	c, err := agent.New(agent.Options{Loop: loop, Inventories: syncer.Appliers.Own(), Status: writer, Collector: syncer, Finalizers: writer,
		Events: events, Metrics: metrics, Concurrent: o.Concurrent, Progress: o.ErrOut,
		ImageUpdate: func(ctx context.Context, srcs []imageauto.Source) (bool, error) {
			return imageTask(u, srcs, o.ImageInterval, o.Concurrent, o.ErrOut).Run(ctx)
		}, ImageInterval: o.ImageInterval})
	if err != nil {
		return err
	}
	var standby atomic.Bool // a replica waiting for the Lease is ready too
	standby.Store(o.LeaderElect)
	for _, srv := range []struct {
		addr, what string
		ready      func() bool
		metrics    *agent.Metrics
	}{{o.HealthAddr, "health endpoints", func() bool { return standby.Load() || c.Ready() }, nil}, {o.MetricsAddr, "metrics", nil, metrics}} {
		if srv.addr == "" {
			continue
		}
		at, stop, err := agent.Serve(srv.addr, agent.Endpoints{Ready: srv.ready, Metrics: srv.metrics,
			Profiling: o.Profiling && srv.metrics != nil, ReusePort: o.ReusePort})
		if err != nil {
			return fmt.Errorf("%s on %s: %w", srv.what, srv.addr, err)
		}
		defer stop()
		if srv.metrics != nil {
			fmt.Fprintf(o.ErrOut, "agent: metrics on http://%s/metrics\n", at)
		} else {
			fmt.Fprintf(o.ErrOut, "agent: health endpoints on http://%s/healthz and /readyz\n", at)
		}
	}
	where := "all namespaces"
	if o.appNamespace != "" {
		where = "namespace " + o.appNamespace
	}
	if o.LabelSelector != "" {
		where += " matching " + o.LabelSelector
	}
	fmt.Fprintf(o.ErrOut, "agent: watching the Applications of %s; %d syncs at once; fetching every %s unless a source says otherwise; drift checks every %s\n",
		where, o.Concurrent, o.Interval, o.DriftInterval)
	w := agent.Watch{Namespace: o.appNamespace, LabelSelector: o.LabelSelector}
	run := func(ctx context.Context) {
		standby.Store(false)
		if err := c.Run(ctx, dc, w); err != nil {
			fmt.Fprintf(o.ErrOut, "agent: %v\n", err)
		}
	}
	if o.LeaderElect {
		id := os.Getenv("POD_NAME") // on the host network the hostname is the node's
		if id == "" {
			id, _ = os.Hostname()
		}
		e := agent.Election{Client: client, Namespace: o.LeaderElectionNamespace, Name: o.LeaderElectionID,
			Identity: fmt.Sprintf("%s_%d", id, os.Getpid()), Progress: o.ErrOut}
		if err := e.Run(ctx, run); err != nil {
			return err
		}
	} else {
		run(ctx)
	}
	fmt.Fprintln(o.ErrOut, "agent stopped")
	return nil
}

package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// NodeName is the fake node kwok runs pods on.
const NodeName = "kwok-node-0"

// processNames are the started processes in start order; Stop goes backwards.
var processNames = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"}

// Cluster is a running local control plane.
type Cluster struct {
	// Dir is the state directory: data, keys, logs, pid files.
	Dir string
	// Kubeconfig is the path of an admin kubeconfig for the cluster.
	Kubeconfig string
	// Server is the apiserver URL, https://127.0.0.1:<port>.
	Server string
	// Binaries are the executables in use; Binaries.Kubectl matches the
	// server version.
	Binaries Binaries
	// RESTConfig and Client talk to the cluster as admin.
	RESTConfig *rest.Config
	Client     kubernetes.Interface

	procs   []*process
	ownsDir bool
	// node is the real node, when Options.RealNode started one.
	node *realNode
	// want is how many processes Running expects.
	want int
}

// Start starts a cluster with default options; see StartWithOptions.
func Start(ctx context.Context) (*Cluster, error) {
	return StartWithOptions(ctx, Options{})
}

// StartWithOptions builds or finds the binaries, starts etcd, the apiserver,
// the controller-manager, the scheduler and kwok, registers one fake node and
// returns once that node is Ready and schedulable. On error everything
// started is stopped again.
func StartWithOptions(ctx context.Context, opts Options) (*Cluster, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	bins, err := EnsureBinaries(ctx, opts)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: opts.Dir, Binaries: bins}
	if c.Dir == "" {
		if c.Dir, err = os.MkdirTemp("", "kubectl-gitops-cluster-"); err != nil {
			return nil, fmt.Errorf("state dir: %w", err)
		}
		c.ownsDir = true
	} else if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	if err := c.start(ctx, opts); err != nil {
		stopErr := c.stopProcesses()
		return nil, errors.Join(fmt.Errorf("start cluster (logs in %s): %w", c.Dir, err), stopErr)
	}
	return c, nil
}

func (c *Cluster) start(ctx context.Context, opts Options) error {
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	peerURL := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	c.Server = "https://127.0.0.1:" + strconv.Itoa(ports[2])
	c.Kubeconfig = filepath.Join(c.Dir, "kubeconfig")
	token, nodeToken, err := writeCredentials(c.Dir, opts.RealNode)
	if err != nil {
		return err
	}
	d := func(name string) string { return filepath.Join(c.Dir, name) }

	fmt.Fprintf(opts.Log, "starting etcd on %s\n", etcdURL)
	if err := c.run(opts, "etcd", c.Binaries.Etcd,
		"--name=default", "--data-dir="+d("etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=default="+peerURL); err != nil {
		return err
	}
	if err := c.waitHTTP(ctx, "etcd", etcdURL+"/health", nil); err != nil {
		return err
	}

	audit, err := auditFlags(c.Dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.Log, "starting kube-apiserver %s on %s\n", c.Binaries.Version, c.Server)
	if err := c.run(opts, "kube-apiserver", c.Binaries.APIServer, append(audit,
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port="+strconv.Itoa(ports[2]),
		"--cert-dir="+d("pki"), "--token-auth-file="+d("tokens.csv"),
		"--authorization-mode=RBAC", "--service-cluster-ip-range="+opts.ServiceCIDR,
		// The default asks for the node's hostname first: a DNS lookup
		// that would go off the machine for the real node.
		"--kubelet-preferred-address-types=InternalIP",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+d("sa.pub"), "--service-account-signing-key-file="+d("sa.key"),
		// With WatchList on, a watch from resourceVersion 0 (kwok's) is
		// served as a stream, which needs an etcd newer than Debian's
		// 3.4: kwok's watches would fail, it would see pods late and
		// renew no node lease.
		"--feature-gates=WatchList=false")...); err != nil {
		return err
	}
	if err := c.waitFile(ctx, "kube-apiserver", d("pki/apiserver.crt")); err != nil {
		return err
	}
	if err := writeKubeconfig(c.Kubeconfig, c.Server, d("pki/apiserver.crt"), token); err != nil {
		return err
	}
	if c.RESTConfig, err = clientcmd.BuildConfigFromFlags("", c.Kubeconfig); err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	if c.Client, err = kubernetes.NewForConfig(c.RESTConfig); err != nil {
		return fmt.Errorf("client: %w", err)
	}
	httpClient, err := rest.HTTPClientFor(c.RESTConfig)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	if err := c.waitHTTP(ctx, "kube-apiserver", c.Server+"/readyz", httpClient); err != nil {
		return err
	}

	fmt.Fprintln(opts.Log, "starting kube-controller-manager, kube-scheduler and kwok")
	steps := []struct {
		name, binary string
		args         []string
	}{
		{"kube-controller-manager", c.Binaries.ControllerManager, []string{
			"--kubeconfig=" + c.Kubeconfig, "--leader-elect=false", "--secure-port=0",
			"--controllers=*,-nodeipam,-serviceaccount-token",
			"--service-account-private-key-file=" + d("sa.key")}},
		{"kube-scheduler", c.Binaries.Scheduler, []string{
			"--kubeconfig=" + c.Kubeconfig, "--leader-elect=false", "--secure-port=0"}},
		{"kwok", c.Binaries.Kwok, []string{
			// Only the fake node: a real node beside it is its kubelet's.
			"--kubeconfig=" + c.Kubeconfig, "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
			// kwok renews a node lease only when given its duration;
			// without one its status heartbeats come 20-45 s apart, later
			// under load, and the node lifecycle controller (50 s grace)
			// marks the node NotReady and every pod not Ready for good.
			"--node-lease-duration-seconds=40",
			"--cidr=10.244.0.1/24"}}, // pod IPs, apart from the service range
	}
	for _, s := range steps {
		if err := c.run(opts, s.name, s.binary, s.args...); err != nil {
			return err
		}
	}
	if err := c.createNode(ctx, opts.NodeCapacity); err != nil {
		return err
	}
	fmt.Fprintf(opts.Log, "waiting for node %s to be Ready\n", NodeName)
	if err := c.waitNodeReady(ctx); err != nil {
		return err
	}
	c.want = len(processNames)
	if !opts.RealNode {
		return nil
	}
	c.want += 2
	return c.startRealNode(ctx, opts, nodeToken)
}

// run starts one process and remembers it for Stop.
func (c *Cluster) run(opts Options, name, binary string, args ...string) error {
	p, err := startProcess(c.Dir, name, binary, args, opts.Detach)
	if err != nil {
		return err
	}
	c.procs = append(c.procs, p)
	return nil
}

// poll calls check every 200ms until it reports done, the process called
// name dies, or ctx ends.
func (c *Cluster) poll(ctx context.Context, name, what string, check func() (bool, error)) error {
	var last error
	for {
		done, err := check()
		if done {
			return nil
		}
		last = err
		for _, p := range c.procs {
			if !p.running() {
				return fmt.Errorf("%s exited while waiting for %s:\n%s", p.name, what, logTail(c.Dir, p.name))
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w (last error: %v)\n%s", what, ctx.Err(), last, logTail(c.Dir, name))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (c *Cluster) waitFile(ctx context.Context, name, path string) error {
	return c.poll(ctx, name, path, func() (bool, error) {
		_, err := os.Stat(path)
		return err == nil, err
	})
}

func (c *Cluster) waitHTTP(ctx context.Context, name, url string, client *http.Client) error {
	if client == nil {
		client = http.DefaultClient
	}
	return c.poll(ctx, name, url, func() (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return false, err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		if resp.StatusCode != http.StatusOK {
			return false, fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(body)))
		}
		return true, nil
	})
}

// createNode registers the fake node kwok takes over, with extra set over
// its default capacity.
func (c *Cluster) createNode(ctx context.Context, extra corev1.ResourceList) error {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("32"),
		corev1.ResourceMemory: resource.MustParse("256Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	for name, q := range extra {
		capacity[name] = q
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        NodeName,
			Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"},
			Labels: map[string]string{
				"type":                   "kwok",
				"kubernetes.io/hostname": NodeName,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     "amd64",
			},
		},
		Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
	}
	if _, err := c.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("node %s: %w", NodeName, err)
	}
	return nil
}

// waitNodeReady waits until the node is Ready with no NoSchedule taint.
func (c *Cluster) waitNodeReady(ctx context.Context) error {
	return c.poll(ctx, "kwok", "node "+NodeName+" Ready", func() (bool, error) {
		node, err := c.Client.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, taint := range node.Spec.Taints {
			if taint.Effect == corev1.TaintEffectNoSchedule || taint.Effect == corev1.TaintEffectNoExecute {
				return false, fmt.Errorf("taint %s", taint.Key)
			}
		}
		for _, cond := range node.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				return cond.Status == corev1.ConditionTrue, fmt.Errorf("Ready=%s", cond.Status)
			}
		}
		return false, errors.New("no Ready condition yet")
	})
}

// Running reports whether every process of the cluster is still alive.
func (c *Cluster) Running() bool {
	for _, p := range c.procs {
		if !p.running() {
			return false
		}
	}
	return len(c.procs) == c.want
}

// Stop ends every process the cluster started and removes its state
// directory when Start created it.
func (c *Cluster) Stop() error {
	if err := c.stopProcesses(); err != nil {
		return err
	}
	if c.ownsDir {
		return os.RemoveAll(c.Dir)
	}
	return nil
}

func (c *Cluster) stopProcesses() error {
	var errs []error
	for i := len(c.procs) - 1; i >= 0; i-- {
		errs = append(errs, c.procs[i].stop())
	}
	c.procs = nil
	errs = append(errs, c.stopRealNode())
	return errors.Join(errs...)
}

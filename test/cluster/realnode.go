package cluster

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The real node, beside kwok's fake one (Options.RealNode).
const (
	// RealNodeName is the real node. It carries the label realnode=true
	// and the taint realnode=true:NoSchedule, so only Pods that ask for it
	// (a nodeSelector and a toleration) run there.
	RealNodeName = "realnode"
	// SandboxImage is the pause image the harness imports into containerd.
	SandboxImage = "127.0.0.1:5000/pause:1"
)

// debianPackages are what a real node runs on.
var debianPackages = []string{"containerd", "runc", "containernetworking-plugins", "iptables", "nftables"}

// realNode is the running real node: containerd and a kubelet, and the
// host changes to undo.
type realNode struct {
	host   *hostState
	lock   *os.File
	sock   string
	certsD string
}

// startRealNode records the host, puts up the network guards, starts
// containerd and the kubelet and waits for the node to be Ready. On error
// the caller stops the cluster, which undoes what was done.
func (c *Cluster) startRealNode(ctx context.Context, opts Options, nodeToken string) error {
	if os.Geteuid() != 0 {
		return errors.New("a real node needs root (containerd, the kubelet and the network guards)")
	}
	if err := ensureDebianPackages(ctx, opts); err != nil {
		return err
	}
	kubelet, err := EnsureKubelet(ctx, opts)
	if err != nil {
		return err
	}
	lock := opts.realNodeLock
	if lock == nil {
		if lock, err = acquireRealNode(ctx, opts); err != nil {
			return err
		}
	}
	rn := &realNode{lock: lock}
	c.node = rn
	if err := restoreStaleHost(); err != nil {
		return err
	}
	root := filepath.Join(c.Dir, "node")
	if rn.host, err = recordHost(c.Dir, root); err != nil {
		return err
	}
	if err := rn.host.save(); err != nil {
		return err
	}
	fmt.Fprintf(opts.Log, "real node: guarding the network (blackhole %s, FORWARD and OUTPUT drops on %s)\n", privateNet, rn.host.OutDev)
	if err := rn.host.guard(); err != nil {
		return err
	}
	for _, cmd := range [][]string{{"ip", "link", "add", bridgeName, "type", "bridge"}, {"ip", "addr", "add", bridgeAddr, "dev", bridgeName},
		{"ip", "link", "set", bridgeName, "up"}} {
		if _, err := sh(cmd...); err != nil {
			return err
		}
	}
	if err := rn.writeConfigs(root); err != nil {
		return err
	}
	fmt.Fprintln(opts.Log, "real node: starting containerd")
	if err := c.run(opts, "containerd", "/usr/bin/containerd", "--config", filepath.Join(root, "containerd.toml")); err != nil {
		return err
	}
	if err := c.waitFile(ctx, "containerd", rn.sock); err != nil {
		return err
	}
	if err := rn.importPause(ctx, root, filepath.Dir(filepath.Dir(opts.ToolsDir))); err != nil {
		return err
	}
	if err := c.authorizeNode(ctx); err != nil {
		return err
	}
	if err := writeKubeconfig(filepath.Join(root, "kubelet.kubeconfig"), c.Server, filepath.Join(c.Dir, "pki/apiserver.crt"), nodeToken); err != nil {
		return err
	}
	fmt.Fprintln(opts.Log, "real node: starting the kubelet")
	if err := c.run(opts, "kubelet", kubelet, "--config="+filepath.Join(root, "kubelet.yaml"),
		"--kubeconfig="+filepath.Join(root, "kubelet.kubeconfig"), "--root-dir="+filepath.Join(root, "kubelet"),
		"--cert-dir="+filepath.Join(root, "kubelet", "pki"), "--node-ip="+realNodeIP, "--hostname-override="+RealNodeName,
		"--node-labels="+RealNodeName+"=true"); err != nil {
		return err
	}
	return c.waitNamedNodeReady(ctx, "kubelet", RealNodeName)
}

// HasRealNode says the cluster has a real node.
func (c *Cluster) HasRealNode() bool { return c != nil && c.node != nil }

// AllowRegistry lets the real node pull from a registry on loopback over
// plain HTTP (host is 127.0.0.1:port).
func (c *Cluster) AllowRegistry(host string) error {
	if c.node == nil {
		return errors.New("no real node: start the cluster with Options.RealNode")
	}
	dir := filepath.Join(c.node.certsD, host)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "hosts.toml"), []byte(fmt.Sprintf("server = %q\n\n[host.%q]\n  capabilities = [\"pull\", \"resolve\"]\n",
		"http://"+host, "http://"+host)), 0o644)
}

// stopRealNode ends the node's processes (already signalled by the
// caller) and undoes every host change.
func (c *Cluster) stopRealNode() error {
	rn := c.node
	if rn == nil {
		return restoreHostOf(c.Dir) // a cluster attached to: its real node, if any
	}
	c.node = nil
	var err error
	if rn.host != nil {
		err = rn.host.restore()
	}
	if rn.lock != nil {
		rn.lock.Close() // releases the flock
	}
	if err != nil {
		return fmt.Errorf("real node: undo host changes: %w", err)
	}
	return nil
}

// acquireRealNode waits until this process may run the machine's one real
// node: it holds a lock file while its node runs, and a node left running
// by a process that is gone (make cluster-up REAL_NODE=1) is waited for too.
func acquireRealNode(ctx context.Context, opts Options) (*os.File, error) {
	lock, err := os.OpenFile("/run/kubectl-gitops-realnode.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	said := false
	for {
		if syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			if !RealNodeBusy() {
				return lock, nil
			}
			_ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
		}
		if !said {
			fmt.Fprintln(opts.Log, "real node: another one runs on this machine; waiting for it to stop")
			said = true
		}
		select {
		case <-ctx.Done():
			lock.Close()
			return nil, fmt.Errorf("%w: %w", ErrRealNodeBusy, ctx.Err())
		case <-time.After(2 * time.Second):
		}
	}
}

func (rn *realNode) writeConfigs(root string) error {
	rn.sock = filepath.Join(root, "containerd", "containerd.sock")
	rn.certsD = filepath.Join(root, "containerd", "certs.d")
	for _, d := range []string{filepath.Join(root, "cni", "net.d"), rn.certsD, filepath.Join(root, "kubelet", "logs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	cd := filepath.Join(root, "containerd")
	containerd := fmt.Sprintf(`version = 2
root = %q
state = %q
[grpc]
  address = %q
[ttrpc]
  address = %q
[plugins."io.containerd.internal.v1.opt"]
  path = %q
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %q
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = %q
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = %q
`, filepath.Join(cd, "root"), filepath.Join(cd, "state"), rn.sock, rn.sock+".ttrpc", filepath.Join(cd, "opt"),
		SandboxImage, filepath.Join(root, "cni", "net.d"), rn.certsD)
	// The bridge has the host's address on it but is no gateway, masquerades
	// nothing and gives Pods no default route: their packets stay here.
	cni := fmt.Sprintf(`{"cniVersion": "1.0.0", "name": "realnode", "plugins": [{"type": "bridge", "bridge": %q,
 "isGateway": false, "ipMasq": false, "hairpinMode": true,
 "ipam": {"type": "host-local", "dataDir": %q, "ranges": [[{"subnet": %q}]], "routes": []}}]}
`, bridgeName, filepath.Join(root, "cni", "ipam"), podCIDR)
	healthz, err := freePorts(1)
	if err != nil {
		return err
	}
	kubelet := fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
oomScoreAdj: 0
address: %s
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: %d
containerRuntimeEndpoint: unix://%s
podLogsDir: %s
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
failSwapOn: false
resolvConf: /etc/resolv.conf
registerWithTaints:
  - {key: %s, value: "true", effect: NoSchedule}
evictionHard: {memory.available: "100Mi", nodefs.available: "1%%", imagefs.available: "1%%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
`, realNodeIP, healthz[0], rn.sock, filepath.Join(root, "kubelet", "logs"), RealNodeName)
	files := map[string]string{"containerd.toml": containerd, "cni/net.d/10-realnode.conflist": cni, "kubelet.yaml": kubelet}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// importPause builds the pause image (from repoRoot, the module holding
// ./test/cluster/pause) and imports it into containerd: the sandbox image
// is never pulled.
func (rn *realNode) importPause(ctx context.Context, root, repoRoot string) error {
	bin := filepath.Join(root, "pause")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./test/cluster/pause")
	cmd.Dir, cmd.Env = repoRoot, append(os.Environ(), "CGO_ENABLED=0", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build pause: %w\n%s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	var layerTar bytes.Buffer
	tw := tar.NewWriter(&layerTar)
	if err := tw.WriteHeader(&tar.Header{Name: "pause", Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	if _, err := tw.Write(data); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(layerTar.Bytes())), nil })
	if err != nil {
		return err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Config.Entrypoint = "linux", "amd64", []string{"/pause"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return err
	}
	tag, err := name.NewTag(SandboxImage)
	if err != nil {
		return err
	}
	file := filepath.Join(root, "pause.tar")
	if err := tarball.WriteToFile(file, tag, img); err != nil {
		return err
	}
	if _, err := sh("ctr", "-a", rn.sock, "-n", "k8s.io", "images", "import", file); err != nil {
		return fmt.Errorf("import the pause image: %w", err)
	}
	return nil
}

// authorizeNode lets the node's token act as a node (there is no Node
// authorizer: RBAC's system:node role is enough).
func (c *Cluster) authorizeNode(ctx context.Context) error {
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "realnode-system-node"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "system:node"},
		Subjects: []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "Group", Name: "system:nodes"}}}
	_, err := c.Client.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("node authorization: %w", err)
	}
	return nil
}

// waitNamedNodeReady waits until node reports Ready (taints are its own).
func (c *Cluster) waitNamedNodeReady(ctx context.Context, proc, node string) error {
	return c.poll(ctx, proc, "node "+node+" Ready", func() (bool, error) {
		n, err := c.Client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				return cond.Status == corev1.ConditionTrue, fmt.Errorf("Ready=%s: %s", cond.Status, cond.Message)
			}
		}
		return false, errors.New("no Ready condition yet")
	})
}

// ensureDebianPackages installs what a real node runs on when missing.
func ensureDebianPackages(ctx context.Context, opts Options) error {
	missing := false
	for _, p := range []string{"/usr/bin/containerd", "/usr/sbin/runc", "/usr/lib/cni/bridge", "/usr/sbin/iptables", "/usr/sbin/nft"} {
		if _, err := os.Stat(p); err != nil {
			missing = true
		}
	}
	if !missing {
		return nil
	}
	fmt.Fprintf(opts.Log, "real node: apt-get install -y %v\n", debianPackages)
	for _, args := range [][]string{{"apt-get", "update"}, append([]string{"apt-get", "install", "-y", "--no-install-recommends"}, debianPackages...)} {
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%v: %w\n%s", args, err, tail(string(out), 20))
		}
	}
	return nil
}

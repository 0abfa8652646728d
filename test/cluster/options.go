package cluster

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// KwokVersion is the sigs.k8s.io/kwok release that runs the fake node.
const KwokVersion = "v0.7.0"

// ErrNoToolsModule means the hack/tools module (which pins the Kubernetes
// version and builds its binaries) was not found.
var ErrNoToolsModule = errors.New("hack/tools/go.mod not found above the working directory; set Options.ToolsDir")

// Options configures Start. The zero value is valid: every field has a default.
type Options struct {
	// Dir holds the cluster's state: etcd data, keys, kubeconfig, logs and
	// pid files. Default: a new directory under os.TempDir().
	Dir string
	// CacheDir holds the built binaries, one sub-directory per version.
	// Default: $XDG_CACHE_HOME/kubectl-gitops/cluster, or
	// ~/.cache/kubectl-gitops/cluster.
	CacheDir string
	// ToolsDir is the module whose go.mod pins k8s.io/kubernetes and builds
	// the control-plane binaries. Default: hack/tools in the first parent of
	// the working directory that has one.
	ToolsDir string
	// Detach starts the processes in their own session so they outlive the
	// calling process (`make cluster-up`). Default false: they are killed
	// when the calling process dies.
	Detach bool
	// Log receives progress lines. Default: discarded.
	Log io.Writer
	// Timeout bounds the start once the binaries are ready. Default: 3 minutes.
	Timeout time.Duration
	// NodeCapacity is what the fake node offers, set over the defaults
	// (cpu 32, memory 256Gi, pods 110: a kubelet's pod limit), for
	// workloads larger than a test's. Default: nil, the defaults alone.
	NodeCapacity corev1.ResourceList
	// ServiceCIDR is the range Services get cluster IPs from: a /24 holds
	// 254. It must not overlap the pods' 10.244.0.0/16. Default:
	// 10.0.0.0/24.
	ServiceCIDR string
	// RealNode starts a real node beside the fake one: containerd, runc
	// and the bridge CNI plugin (Debian packages, installed when missing)
	// and a kubelet built like the other binaries, so Pods really run.
	// It needs root, and there can be one per machine. Its network is
	// guarded so no packet leaves the machine, and every host change is
	// undone at Stop (or at the next start after a crash).
	RealNode bool

	// realNodeLock, when set, is the real node's lock already held (a
	// test that looks at the host before the node starts).
	realNodeLock *os.File
}

// withDefaults fills in every unset field.
func (o Options) withDefaults() (Options, error) {
	if o.CacheDir == "" {
		dir, err := DefaultCacheDir()
		if err != nil {
			return o, err
		}
		o.CacheDir = dir
	}
	if o.ToolsDir == "" {
		dir, err := findToolsDir()
		if err != nil {
			return o, err
		}
		o.ToolsDir = dir
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Timeout == 0 {
		o.Timeout = 3 * time.Minute
	}
	if o.ServiceCIDR == "" {
		o.ServiceCIDR = "10.0.0.0/24"
	}
	return o, nil
}

// DefaultCacheDir is where binaries are cached when Options.CacheDir is
// empty: ${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-gitops/cluster.
func DefaultCacheDir() (string, error) {
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("cache dir: %w", err)
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "kubectl-gitops", "cluster"), nil
}

// findToolsDir walks up from the working directory to hack/tools/go.mod.
func findToolsDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("tools dir: %w", err)
	}
	for {
		candidate := filepath.Join(dir, "hack", "tools")
		if _, err := os.Stat(filepath.Join(candidate, "go.mod")); err == nil {
			return candidate, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNoToolsModule
		}
		dir = parent
	}
}

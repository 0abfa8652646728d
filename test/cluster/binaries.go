package cluster

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Binaries are the executables a cluster runs, all absolute paths.
type Binaries struct {
	// Version is the Kubernetes version the binaries report, e.g. v1.36.3.
	Version           string
	APIServer         string
	ControllerManager string
	Scheduler         string
	Kubectl           string
	Kwok              string
	Etcd              string
	// Kubelet is set by EnsureKubelet, for a real node.
	Kubelet string
}

// kubeCommands are built from the tools module, in this order.
var kubeCommands = []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"}

// EnsureBinaries returns the cluster binaries, building the Kubernetes ones
// (first run: about ten minutes on two cores) and kwok into the cache when
// they are missing, and installing Debian's etcd-server when etcd is not on
// PATH. Concurrent callers wait for one build.
func EnsureBinaries(ctx context.Context, opts Options) (Binaries, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Binaries{}, err
	}
	version, err := kubernetesVersion(filepath.Join(opts.ToolsDir, "go.mod"))
	if err != nil {
		return Binaries{}, err
	}
	bins := Binaries{Version: version}
	kubeDir := filepath.Join(opts.CacheDir, version)
	err = buildOnce(kubeDir, kubeCommands, func(out string) error {
		fmt.Fprintf(opts.Log, "building Kubernetes %s binaries into %s (first run only; about ten minutes on two cores)\n", version, kubeDir)
		args := []string{"build", "-trimpath", "-ldflags", "-s -w " + versionLDFlags(version), "-o", out + string(filepath.Separator)}
		for _, name := range kubeCommands {
			args = append(args, "k8s.io/kubernetes/cmd/"+name)
		}
		return runGo(ctx, opts.ToolsDir, nil, args...)
	})
	if err != nil {
		return Binaries{}, err
	}
	bins.APIServer = filepath.Join(kubeDir, "kube-apiserver")
	bins.ControllerManager = filepath.Join(kubeDir, "kube-controller-manager")
	bins.Scheduler = filepath.Join(kubeDir, "kube-scheduler")
	bins.Kubectl = filepath.Join(kubeDir, "kubectl")

	kwokDir := filepath.Join(opts.CacheDir, "kwok-"+KwokVersion)
	err = buildOnce(kwokDir, []string{"kwok"}, func(out string) error {
		fmt.Fprintf(opts.Log, "installing kwok %s into %s\n", KwokVersion, kwokDir)
		return runGo(ctx, opts.ToolsDir, []string{"GOBIN=" + out},
			"install", "-trimpath", "-ldflags", "-s -w", "sigs.k8s.io/kwok/cmd/kwok@"+KwokVersion)
	})
	if err != nil {
		return Binaries{}, err
	}
	bins.Kwok = filepath.Join(kwokDir, "kwok")

	bins.Etcd, err = ensureEtcd(ctx, opts)
	if err != nil {
		return Binaries{}, err
	}
	return bins, nil
}

// EnsureKubelet builds the kubelet of the tools module's Kubernetes
// version into the cache when it is missing (about a minute on top of the
// other binaries), for Options.RealNode.
func EnsureKubelet(ctx context.Context, opts Options) (string, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return "", err
	}
	version, err := kubernetesVersion(filepath.Join(opts.ToolsDir, "go.mod"))
	if err != nil {
		return "", err
	}
	dir := filepath.Join(opts.CacheDir, version+"-kubelet")
	err = buildOnce(dir, []string{"kubelet"}, func(out string) error {
		fmt.Fprintf(opts.Log, "building the kubelet %s into %s (first run only)\n", version, dir)
		return runGo(ctx, opts.ToolsDir, nil, "build", "-trimpath", "-ldflags", "-s -w "+versionLDFlags(version),
			"-o", out+string(filepath.Separator), "k8s.io/kubernetes/cmd/kubelet")
	})
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "kubelet"), nil
}

// kubernetesVersion reads the k8s.io/kubernetes requirement from go.mod.
func kubernetesVersion(goMod string) (string, error) {
	f, err := os.Open(goMod)
	if err != nil {
		return "", fmt.Errorf("kubernetes version: %w", err)
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) >= 2 && fields[len(fields)-2] == "k8s.io/kubernetes" && strings.HasPrefix(fields[len(fields)-1], "v") {
			return fields[len(fields)-1], nil
		}
	}
	if err := scanner.Err(); err != nil {
		return "", fmt.Errorf("%s: %w", goMod, err)
	}
	return "", fmt.Errorf("%s: no k8s.io/kubernetes requirement", goMod)
}

// versionLDFlags stamps the version into component-base and client-go, so
// the server reports vX.Y.Z instead of v0.0.0-master+$Format:%H$ (which
// kubectl version cannot parse).
func versionLDFlags(version string) string {
	parts := strings.SplitN(strings.TrimPrefix(version, "v"), ".", 3)
	major, minor := parts[0], ""
	if len(parts) > 1 {
		minor = parts[1]
	}
	var flags []string
	for _, pkg := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		flags = append(flags,
			"-X "+pkg+".gitVersion="+version,
			"-X "+pkg+".gitMajor="+major,
			"-X "+pkg+".gitMinor="+minor,
			"-X "+pkg+".gitTreeState=clean")
	}
	return strings.Join(flags, " ")
}

// buildOnce makes sure every name exists in dir, running build (which writes
// them into a fresh directory it is given) under a file lock when any is
// missing. Finished binaries are renamed into place, so a partial build never
// looks complete.
func buildOnce(dir string, names []string, build func(out string) error) error {
	if allExist(dir, names) {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("cache: lock %s: %w", dir, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if allExist(dir, names) {
		return nil
	}
	// Under the lock, any earlier build dir is from an interrupted build.
	if stale, err := filepath.Glob(filepath.Join(dir, ".build-*")); err == nil {
		for _, d := range stale {
			_ = os.RemoveAll(d)
		}
	}
	out, err := os.MkdirTemp(dir, ".build-")
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	defer os.RemoveAll(out)
	if err := build(out); err != nil {
		return err
	}
	for _, name := range names {
		if err := os.Rename(filepath.Join(out, name), filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("cache: %w", err)
		}
	}
	return nil
}

func allExist(dir string, names []string) bool {
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return false
		}
	}
	return true
}

// runGo runs the go command in dir with GOTOOLCHAIN=local.
func runGo(ctx context.Context, dir string, env []string, args ...string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("go command: %w", err)
	}
	start := time.Now()
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GOTOOLCHAIN=local"), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s (in %s, after %s): %w\n%s", args[0], dir, time.Since(start).Round(time.Second), err, tail(string(out), 40))
	}
	return nil
}

// ensureEtcd finds etcd, installing Debian's etcd-server package when it is
// missing (CI machines start clean).
func ensureEtcd(ctx context.Context, opts Options) (string, error) {
	if path, err := exec.LookPath("etcd"); err == nil {
		return path, nil
	}
	fmt.Fprintln(opts.Log, "etcd not found: apt-get install -y etcd-server")
	var prefix []string
	if os.Geteuid() != 0 {
		if _, err := exec.LookPath("sudo"); err != nil {
			return "", fmt.Errorf("etcd is not installed and this user cannot run apt-get: install the etcd-server package")
		}
		prefix = []string{"sudo", "-n"}
	}
	for _, args := range [][]string{{"apt-get", "update"}, {"apt-get", "install", "-y", "--no-install-recommends", "etcd-server"}} {
		args = append(append([]string{}, prefix...), args...)
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("%s: %w\n%s", strings.Join(args, " "), err, tail(string(out), 20))
		}
	}
	path, err := exec.LookPath("etcd")
	if err != nil {
		return "", fmt.Errorf("etcd-server installed but etcd is not on PATH: %w", err)
	}
	return path, nil
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

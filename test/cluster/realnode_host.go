package cluster

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// The real node's network, kept off every path out of the machine.
const (
	realNodeIP  = "10.77.0.1"
	podCIDR     = "10.88.0.0/16"
	bridgeName  = "cni0"
	bridgeAddr  = "10.88.0.1/16"
	guardTag    = "realnode"
	privateNet  = "10.0.0.0/8"
	hostStateAt = "/run/kubectl-gitops-realnode"
)

// sysctlsTouched are what the kubelet sets; they are put back at stop.
var sysctlsTouched = []string{"kernel.panic", "kernel.panic_on_oops", "vm.overcommit_memory"}

// hostDirs are made in fixed places by the kubelet, containerd and the
// CNI plugins; those that did not exist before are removed at stop.
var hostDirs = []string{"/var/lib/kubelet", "/var/log/containers", "/var/log/pods", "/run/mount", "/var/lib/cni",
	"/run/containerd", "/var/run/netns", "/opt/containerd", "/etc/cni", "/opt/cni"}

// hostState is what the real node changes on the host, recorded before it
// starts so that stop (or the next start, after a crash) puts it back.
type hostState struct {
	// ClusterDir holds the pid files of the node's processes; Dir is the
	// node's own state.
	ClusterDir string            `json:"clusterDir"`
	Dir        string            `json:"dir"`
	Sysctls    map[string]string `json:"sysctls"`
	NftTables  []string          `json:"nftTables"`
	Chains     map[string]bool   `json:"chains"` // "iptables filter KUBE-FIREWALL"
	Missing    []string          `json:"missingDirs"`
	OutDev     string            `json:"outDev"`
	Resolvers  []string          `json:"resolvers"` // "ip via gw dev d"
	IPForward  string            `json:"ipForward"`
	RouteAdded bool              `json:"routeAdded"`
}

func sh(args ...string) (string, error) {
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

func readSysctl(name string) (string, error) {
	data, err := os.ReadFile("/proc/sys/" + strings.ReplaceAll(name, ".", "/"))
	return strings.TrimSpace(string(data)), err
}

func writeSysctl(name, value string) error {
	return os.WriteFile("/proc/sys/"+strings.ReplaceAll(name, ".", "/"), []byte(value+"\n"), 0o644)
}

// recordHost snapshots the host before the real node starts.
func recordHost(clusterDir, dir string) (*hostState, error) {
	st := &hostState{ClusterDir: clusterDir, Dir: dir, Sysctls: map[string]string{}, Chains: map[string]bool{}}
	for _, s := range append([]string{"net.ipv4.ip_forward"}, sysctlsTouched...) {
		v, err := readSysctl(s)
		if err != nil {
			return nil, fmt.Errorf("sysctl %s: %w", s, err)
		}
		st.Sysctls[s] = v
	}
	st.IPForward = st.Sysctls["net.ipv4.ip_forward"]
	if st.IPForward != "0" {
		return nil, errors.New("net.ipv4.ip_forward is on: a real node here could forward pod traffic off the machine; refusing to start")
	}
	tables, err := nftTables()
	if err != nil {
		return nil, err
	}
	st.NftTables = tables
	if st.Chains, err = iptablesChains(); err != nil {
		return nil, err
	}
	for _, d := range hostDirs {
		if _, err := os.Stat(d); errors.Is(err, os.ErrNotExist) {
			st.Missing = append(st.Missing, d)
		}
	}
	out, err := sh("ip", "-4", "route", "show", "default")
	if err != nil {
		return nil, err
	}
	if f := strings.Fields(out); len(f) >= 5 && f[3] == "dev" {
		st.OutDev = f[4]
	} else {
		return nil, fmt.Errorf("no default route to guard: %q", out)
	}
	if st.Resolvers, err = privateResolvers(); err != nil {
		return nil, err
	}
	return st, nil
}

// privateResolvers are the routes to the resolvers in 10.0.0.0/8, which
// the blackhole for that range would cut off: "ip via gw dev d".
func privateResolvers() ([]string, error) {
	f, err := os.Open("/etc/resolv.conf")
	if err != nil {
		return nil, nil
	}
	defer f.Close()
	_, private, _ := net.ParseCIDR(privateNet)
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || fields[0] != "nameserver" {
			continue
		}
		ip := net.ParseIP(fields[1])
		if ip == nil || !private.Contains(ip) {
			continue
		}
		route, err := sh("ip", "-4", "route", "get", ip.String())
		if err != nil {
			return nil, err
		}
		f := strings.Fields(route)
		var via, dev string
		for i := 0; i+1 < len(f); i++ {
			switch f[i] {
			case "via":
				via = f[i+1]
			case "dev":
				dev = f[i+1]
			}
		}
		if dev == "" {
			return nil, fmt.Errorf("route to the resolver %s: %q", ip, route)
		}
		r := ip.String() + "/32"
		if via != "" {
			r += " via " + via
		}
		out = append(out, r+" dev "+dev)
	}
	return out, nil
}

func nftTables() ([]string, error) {
	out, err := sh("nft", "list", "tables")
	if err != nil {
		return nil, err
	}
	var tables []string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "table" {
			tables = append(tables, f[1]+" "+f[2])
		}
	}
	sort.Strings(tables)
	return tables, nil
}

// iptablesChains lists the chains of every table, v4 and v6.
func iptablesChains() (map[string]bool, error) {
	chains := map[string]bool{}
	for _, cmd := range []string{"iptables", "ip6tables"} {
		for _, table := range []string{"filter", "nat", "mangle"} {
			out, err := sh(cmd, "-t", table, "-S")
			if err != nil {
				return nil, err
			}
			for _, line := range strings.Split(out, "\n") {
				if f := strings.Fields(line); len(f) >= 2 && (f[0] == "-N" || f[0] == "-P") {
					chains[cmd+" "+table+" "+f[1]] = true
				}
			}
		}
	}
	return chains, nil
}

// guardRules keep every packet of the real node on the machine.
func (st *hostState) guardRules() [][]string {
	tag := []string{"-m", "comment", "--comment", guardTag, "-j", "DROP"}
	return [][]string{
		append([]string{"iptables", "-I", "FORWARD", "-o", st.OutDev}, tag...),
		append([]string{"iptables", "-I", "FORWARD", "-i", st.OutDev}, tag...),
		append([]string{"ip6tables", "-I", "FORWARD", "-o", st.OutDev}, tag...),
		append([]string{"ip6tables", "-I", "FORWARD", "-i", st.OutDev}, tag...),
		append([]string{"iptables", "-I", "FORWARD", "-i", bridgeName, "!", "-o", bridgeName}, tag...),
		append([]string{"iptables", "-I", "OUTPUT", "-s", podCIDR, "-o", st.OutDev}, tag...),
	}
}

// guard puts up the network safety rules: the resolver kept reachable,
// 10.0.0.0/8 blackholed, forwarding off the machine dropped, the node IP
// on lo.
func (st *hostState) guard() error {
	for _, r := range st.Resolvers {
		if _, err := sh(append([]string{"ip", "route", "replace"}, strings.Fields(r)...)...); err != nil {
			return err
		}
	}
	// Recorded before it is added: a run that crashes from here on must
	// find it in the saved state, or the next run inherits the blackhole
	// (and, its resolver route undone, a machine without DNS).
	st.RouteAdded = true
	if err := st.save(); err != nil {
		return err
	}
	if _, err := sh("ip", "route", "replace", "blackhole", privateNet); err != nil {
		return err
	}
	for _, rule := range st.guardRules() {
		if _, err := sh(rule...); err != nil {
			return err
		}
	}
	if _, err := sh("ip", "addr", "replace", realNodeIP+"/32", "dev", "lo"); err != nil {
		return err
	}
	return nil
}

// saveHost records st where a later start finds it after a crash.
func (st *hostState) save() error {
	if err := os.MkdirAll(hostStateAt, 0o700); err != nil {
		return err
	}
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(hostStateAt, "state.json"), data, 0o600)
}

// restoreHostOf undoes the real node of the cluster in clusterDir, if the
// host state says there is one.
func restoreHostOf(clusterDir string) error {
	data, err := os.ReadFile(filepath.Join(hostStateAt, "state.json"))
	if err != nil {
		return nil
	}
	var st hostState
	if json.Unmarshal(data, &st) != nil || st.ClusterDir != clusterDir {
		return nil
	}
	return st.restore()
}

// ErrRealNodeBusy means a real node already runs on this machine.
var ErrRealNodeBusy = errors.New("a real node already runs on this machine")

// RealNodeBusy says whether a real node runs here now (another test
// package, or make cluster-up REAL_NODE=1).
func RealNodeBusy() bool {
	data, err := os.ReadFile(filepath.Join(hostStateAt, "state.json"))
	if err != nil {
		return false
	}
	var st hostState
	if json.Unmarshal(data, &st) != nil {
		return false
	}
	for _, name := range []string{"kubelet", "containerd"} {
		if p, err := readProcess(st.ClusterDir, name); err == nil && p != nil && p.running() {
			return true
		}
	}
	return false
}

// restoreStaleHost undoes a real node whose run ended without its stop;
// a real node still running (`make cluster-up REAL_NODE=1`) is an error:
// there can be one per machine, its IP and kubelet port are fixed.
func restoreStaleHost() error {
	data, err := os.ReadFile(filepath.Join(hostStateAt, "state.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var st hostState
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("%s: %w", hostStateAt, err)
	}
	if RealNodeBusy() {
		return fmt.Errorf("%w (cluster state in %s; make cluster-down stops it)", ErrRealNodeBusy, st.ClusterDir)
	}
	if err := st.restore(); err != nil {
		return fmt.Errorf("undo the real node a crashed run left: %w", err)
	}
	return nil
}

package cluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// restore puts the host back as recordHost found it. It goes on past
// failures, so one leftover does not keep the others in place, and
// returns them all.
func (st *hostState) restore() error {
	var errs []error
	note := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	note(killNodeProcesses(st.Dir))
	note(unmountUnder(st.Dir, "/run/netns", "/var/run/netns", "/var/lib/kubelet", "/run/containerd"))
	if _, err := os.Stat("/sys/class/net/" + bridgeName); err == nil {
		_, err := sh("ip", "link", "del", bridgeName)
		note(err)
	}
	_, _ = sh("ip", "addr", "del", realNodeIP+"/32", "dev", "lo") // absent when the guard failed early
	for _, rule := range st.guardRules() {
		del := append([]string{rule[0], "-D"}, rule[2:]...)
		for {
			if _, err := sh(del...); err != nil {
				break // every copy gone
			}
		}
	}
	if st.RouteAdded {
		// Absent when the run crashed between recording it and adding it.
		if out, _ := sh("ip", "route", "show", "type", "blackhole", privateNet); strings.TrimSpace(out) != "" {
			_, err := sh("ip", "route", "del", "blackhole", privateNet)
			note(err)
		}
	}
	for _, r := range st.Resolvers {
		_, _ = sh("ip", "route", "del", strings.Fields(r)[0])
	}
	note(st.deleteNewChains())
	tables, err := nftTables()
	note(err)
	before := map[string]bool{}
	for _, t := range st.NftTables {
		before[t] = true
	}
	for _, t := range tables {
		if !before[t] {
			_, err := sh(append([]string{"nft", "delete", "table"}, strings.Fields(t)...)...)
			note(err)
		}
	}
	for name, v := range st.Sysctls {
		if cur, _ := readSysctl(name); cur != v {
			note(writeSysctl(name, v))
		}
	}
	note(removeCgroups("kubepods"))
	for _, d := range st.Missing {
		note(os.RemoveAll(d))
	}
	if len(errs) == 0 {
		note(os.RemoveAll(hostStateAt))
	}
	return errors.Join(errs...)
}

// deleteNewChains removes the iptables chains the kubelet made (and the
// jumps to them), leaving those that were there before.
func (st *hostState) deleteNewChains() error {
	now, err := iptablesChains()
	if err != nil {
		return err
	}
	var errs []error
	for key := range now {
		if st.Chains[key] {
			continue
		}
		f := strings.Fields(key) // cmd table chain
		cmd, table, chain := f[0], f[1], f[2]
		rules, err := sh(cmd, "-t", table, "-S")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, line := range strings.Split(rules, "\n") {
			r := strings.Fields(line)
			if len(r) > 2 && r[0] == "-A" && strings.Contains(" "+line+" ", " -j "+chain+" ") {
				_, err := sh(append([]string{cmd, "-t", table, "-D"}, r[1:]...)...)
				errs = append(errs, err)
			}
		}
		_, err = sh(cmd, "-t", table, "-F", chain)
		errs = append(errs, err)
		_, err = sh(cmd, "-t", table, "-X", chain)
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// killNodeProcesses kills the Pods' processes (those in a kubepods
// cgroup) and the containerd shims of the node whose state is in dir.
func killNodeProcesses(dir string) error {
	for round := 0; round < 50; round++ {
		found := false
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || pid == os.Getpid() {
				continue
			}
			cg, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
			cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			shim := strings.Contains(string(cmdline), "containerd-shim") && dir != "" && strings.Contains(string(cmdline), dir)
			if strings.Contains(string(cg), "/kubepods") || shim {
				found = true
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if !found {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("the real node's Pod processes survived SIGKILL")
}

// unmountUnder lazily unmounts every mount below the given paths, the
// deepest first.
func unmountUnder(paths ...string) error {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	var targets []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		mp := f[4]
		for _, p := range paths {
			if p != "" && (mp == p || strings.HasPrefix(mp, strings.TrimSuffix(p, "/")+"/")) {
				targets = append(targets, mp)
			}
		}
	}
	sort.Slice(targets, func(i, j int) bool { return len(targets[i]) > len(targets[j]) })
	var errs []error
	for _, t := range targets {
		if err := syscall.Unmount(t, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", t, err))
		}
	}
	return errors.Join(errs...)
}

// removeCgroups removes the cgroup named name in every hierarchy, and
// what is below it, the deepest first.
func removeCgroups(name string) error {
	var dirs []string
	roots, _ := filepath.Glob("/sys/fs/cgroup/*/" + name)
	if _, err := os.Stat("/sys/fs/cgroup/" + name); err == nil {
		roots = append(roots, "/sys/fs/cgroup/"+name)
	}
	for _, r := range roots {
		_ = filepath.WalkDir(r, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
	}
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	var errs []error
	for _, d := range dirs {
		if err := syscall.Rmdir(d); err != nil && !errors.Is(err, syscall.ENOENT) {
			errs = append(errs, fmt.Errorf("cgroup %s: %w", d, err))
		}
	}
	return errors.Join(errs...)
}

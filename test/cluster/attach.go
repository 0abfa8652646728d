package cluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Attach returns the cluster whose state is in dir, as recorded by a Start
// in another process (`make cluster-up`). Its Stop ends exactly the
// processes named in the pid files and removes dir.
func Attach(dir string) (*Cluster, error) {
	c := &Cluster{Dir: dir, Kubeconfig: filepath.Join(dir, "kubeconfig"), ownsDir: true}
	for _, name := range append(append([]string{}, processNames...), "containerd", "kubelet") {
		p, err := readProcess(dir, name)
		if err != nil {
			return nil, fmt.Errorf("cluster in %s: %w", dir, err)
		}
		if p != nil {
			c.procs = append(c.procs, p)
		}
	}
	c.want = len(processNames)
	if len(c.procs) > len(processNames) {
		c.want += 2 // a real node's containerd and kubelet
	}
	if len(c.procs) == 0 {
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("cluster in %s: %w", dir, err)
		}
	}
	return c, nil
}

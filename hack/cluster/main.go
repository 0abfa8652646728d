// Command cluster starts and stops the local cluster of test/cluster for
// `make cluster-up` and `make cluster-down`:
//
//	go run ./hack/cluster up     # prints the kubeconfig path as its last line
//	go run ./hack/cluster down   # stops exactly what up started
//	go run ./hack/cluster build  # only builds/caches the binaries
//
// The state directory of the running cluster is recorded in .cache/cluster
// (git-ignored), relative to the working directory.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/oamgitops/kubectl-gitops/test/cluster"
)

const stateFile = ".cache/cluster"

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: cluster up|down|build")
		os.Exit(2)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	var err error
	switch os.Args[1] {
	case "up":
		err = up(ctx)
	case "down":
		err = down()
	case "build":
		if _, err = cluster.EnsureBinaries(ctx, cluster.Options{Log: os.Stderr}); err == nil {
			_, err = cluster.EnsureKubelet(ctx, cluster.Options{Log: os.Stderr}) // for the real node
		}
	default:
		err = fmt.Errorf("unknown command %q: want up, down or build", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cluster:", err)
		os.Exit(1)
	}
}

func up(ctx context.Context) error {
	if c, err := recorded(); err != nil {
		return err
	} else if c != nil {
		if c.Running() {
			fmt.Fprintln(os.Stderr, "cluster already running (make cluster-down stops it)")
			fmt.Println(c.Kubeconfig)
			return nil
		}
		fmt.Fprintf(os.Stderr, "cluster in %s is no longer complete: stopping what is left\n", c.Dir)
		if err := stop(c); err != nil {
			return err
		}
	}
	start := time.Now()
	c, err := cluster.StartWithOptions(ctx, cluster.Options{Detach: true, Log: os.Stderr, RealNode: os.Getenv("REAL_NODE") == "1"})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(stateFile), 0o755); err != nil {
		return errors.Join(err, c.Stop())
	}
	if err := os.WriteFile(stateFile, []byte(c.Dir+"\n"), 0o644); err != nil {
		return errors.Join(err, c.Stop())
	}
	fmt.Fprintf(os.Stderr, "cluster %s up in %s (node %s); make cluster-down stops it. Kubeconfig:\n",
		c.Binaries.Version, time.Since(start).Round(100*time.Millisecond), cluster.NodeName)
	fmt.Println(c.Kubeconfig)
	return nil
}

func down() error {
	c, err := recorded()
	if err != nil {
		return err
	}
	if c == nil {
		fmt.Fprintln(os.Stderr, "no cluster recorded in "+stateFile+": nothing to stop")
		return nil
	}
	if err := stop(c); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "cluster stopped; removed", c.Dir)
	return nil
}

func stop(c *cluster.Cluster) error {
	if err := c.Stop(); err != nil {
		return err
	}
	return os.Remove(stateFile)
}

// recorded is the cluster named in stateFile, nil when there is none.
func recorded() (*cluster.Cluster, error) {
	data, err := os.ReadFile(stateFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	dir := strings.TrimSpace(string(data))
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(os.Stderr, "recorded cluster dir %s is gone; forgetting it\n", dir)
		return nil, os.Remove(stateFile)
	}
	return cluster.Attach(dir)
}

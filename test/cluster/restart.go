package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/client-go/rest"
)

// RestartAPIServer stops kube-apiserver (SIGTERM, as an upgrade or a crash
// loop does), keeps it down for down, starts it again with the same flags
// on the same port and returns once it is ready. Clients keep their
// kubeconfig: the certificates stay.
func (c *Cluster) RestartAPIServer(ctx context.Context, down time.Duration) error {
	for i, p := range c.procs {
		if p.name != "kube-apiserver" {
			continue
		}
		if p.cmd == nil {
			return errors.New("kube-apiserver: started by another process (cluster up); restart it there")
		}
		binary, args := p.cmd.Path, p.cmd.Args[1:]
		if err := p.stop(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(down):
		}
		np, err := startProcess(c.Dir, p.name, binary, args, false)
		if err != nil {
			return err
		}
		c.procs[i] = np
		httpClient, err := rest.HTTPClientFor(c.RESTConfig)
		if err != nil {
			return fmt.Errorf("client: %w", err)
		}
		return c.waitHTTP(ctx, "kube-apiserver", c.Server+"/readyz", httpClient)
	}
	return errors.New("kube-apiserver is not running")
}

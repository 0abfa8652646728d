package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// freeAddr is a loopback address nothing listens on now, for the agent's
// metrics and profiles.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// cpuProfile records d of the agent's CPU profile from addr into
// logDir/name in the background; wait returns once it is written. A
// failure is reported on progress, not returned: a profile is a diagnosis,
// not a result.
func cpuProfile(ctx context.Context, addr string, d time.Duration, logDir, name string, progress io.Writer) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := fetchProfile(ctx, addr, d, filepath.Join(logDir, name)); err != nil {
			fmt.Fprintf(progress, "benchsync: CPU profile %s: %v\n", name, err)
		}
	}()
	return func() { <-done }
}

func fetchProfile(ctx context.Context, addr string, d time.Duration, file string) error {
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, int(d.Seconds()))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

package agent

import (
	"context"
	"io"
	"net"
	"net/http"
	"time"
)

// Serve answers on addr until stop is called: /healthz (the process
// runs), /readyz (ready says so) and, with m, /metrics. It returns the
// address it listens on. With reusePort, replicas on the host network of
// one node share the port (SO_REUSEPORT): each is healthy on its own, and
// the Lease, not the port, says which one acts.
func Serve(addr string, ready func() bool, m *Metrics, reusePort bool) (string, func(), error) {
	lc := net.ListenConfig{}
	if reusePort {
		lc.Control = reusePortControl
	}
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	if ready != nil {
		mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
			if !ready() {
				http.Error(w, "the Applications were not read yet", http.StatusServiceUnavailable)
				return
			}
			io.WriteString(w, "ok\n")
		})
	}
	if m != nil {
		mux.Handle("/metrics", m.Handler())
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with ErrServerClosed on stop
	return ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

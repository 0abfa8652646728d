package agent

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// Endpoints are what Serve answers besides /healthz.
type Endpoints struct {
	// Ready, when set, answers /readyz.
	Ready func() bool
	// Metrics, when set, answers /metrics.
	Metrics *Metrics
	// Profiling answers /debug/pprof/ (Go's runtime profiles).
	Profiling bool
	// ReusePort lets replicas on the host network of one node share the
	// port (SO_REUSEPORT): each is healthy on its own, and the Lease, not
	// the port, says which one acts.
	ReusePort bool
}

// Serve answers on addr until stop is called: /healthz (the process
// runs) and the endpoints e names. It returns the address it listens on.
func Serve(addr string, e Endpoints) (string, func(), error) {
	ready, m := e.Ready, e.Metrics
	lc := net.ListenConfig{}
	if e.ReusePort {
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
	if e.Profiling {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with ErrServerClosed on stop
	return ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

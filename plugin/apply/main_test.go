package apply

import (
	"context"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/oamgitops/kubectl-gitops/test/cluster"
)

var env *cluster.Cluster

func TestMain(m *testing.M) { os.Exit(cluster.Main(m, &env)) }

// writeCounter counts the requests an Applier sends that are not reads
// (GET, which covers get, list and watch), dry-runs included, and calls
// onWrite before sending each.
type writeCounter struct {
	mu      sync.Mutex
	writes  []string
	onWrite func(*http.Request)
}

func (w *writeCounter) RoundTrip(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		// The source's Lease (lease.go) is taken and let go by every sync;
		// what is counted are the writes of objects and inventories.
		lease := strings.HasPrefix(req.URL.Path, "/apis/coordination.k8s.io/")
		if req.Method != http.MethodGet && req.Method != http.MethodHead && !lease {
			w.mu.Lock()
			w.writes = append(w.writes, req.Method+" "+req.URL.RequestURI())
			w.mu.Unlock()
			if w.onWrite != nil {
				w.onWrite(req)
			}
		}
		return next.RoundTrip(req)
	})
}

// take returns the writes counted so far and starts again.
func (w *writeCounter) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.writes
	w.writes = nil
	return out
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// newTestApplier connects to the test cluster through a writeCounter.
func newTestApplier(t *testing.T) (*Applier, *writeCounter) {
	t.Helper()
	counter := &writeCounter{}
	cfg := rest.CopyConfig(env.RESTConfig)
	cfg.WrapTransport = counter.RoundTrip
	a, err := NewApplier(cfg, "v0.0.0-test")
	if err != nil {
		t.Fatal(err)
	}
	return a, counter
}

// testOptions are fast options with the inventory in ns.
func testOptions(ns string) ApplyOptions {
	opts := DefaultApplyOptions(Inventory{Kind: "ConfigMap", Namespace: ns, Name: "inventory"})
	opts.PollInterval = 500 * time.Millisecond
	opts.WaveTimeout = 2 * time.Minute
	return opts
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

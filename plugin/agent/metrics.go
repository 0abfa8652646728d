package agent

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the agent's Prometheus metrics, on a registry of their own
// (with the Go and process collectors) rather than the global one.
type Metrics struct {
	registry *prometheus.Registry
	duration *prometheus.HistogramVec
	syncs    *prometheus.CounterVec
	failures *prometheus.CounterVec
	applied  *prometheus.CounterVec
	pruned   *prometheus.CounterVec
	revision *prometheus.GaugeVec
	queueLen func() int

	mu        sync.Mutex
	revisions map[string]string // the revision label of each source
}

// NewMetrics registers the agent's metrics.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gitops_reconcile_duration_seconds",
			Help:    "How long one step of a source (fetch, build, sync, drift check) took.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"source"}),
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gitops_syncs_total", Help: "Syncs of a source, drift checks included.",
		}, []string{"source"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gitops_sync_failures_total", Help: "Syncs of a source that failed.",
		}, []string{"source"}),
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gitops_objects_applied_total", Help: "Objects a source's syncs created or changed.",
		}, []string{"source"}),
		pruned: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gitops_objects_pruned_total", Help: "Objects a source's syncs deleted because they left the source.",
		}, []string{"source"}),
		revision: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gitops_last_applied_revision_info", Help: "1 for the revision a source last synced healthy.",
		}, []string{"source", "revision"}),
		revisions: map[string]string{},
	}
	queue := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "gitops_queue_depth", Help: "Sources and Application statuses waiting for a worker.",
	}, func() float64 {
		if m.queueLen == nil {
			return 0
		}
		return float64(m.queueLen())
	})
	m.registry.MustRegister(m.duration, m.syncs, m.failures, m.applied, m.pruned, m.revision, queue,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Registry is where the metrics are, for tests and more collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

func (m *Metrics) setQueue(n func() int) { m.queueLen = n }

func (m *Metrics) observeStep(source string, d time.Duration) {
	if m == nil {
		return
	}
	m.duration.WithLabelValues(source).Observe(d.Seconds())
}

// observeSync counts one sync; it runs on the worker of the source, so
// the revision of a source is never set by two goroutines at once.
func (m *Metrics) observeSync(source, revision string, applied, pruned int, err error) {
	if m == nil {
		return
	}
	m.syncs.WithLabelValues(source).Inc()
	if err != nil {
		m.failures.WithLabelValues(source).Inc()
		return
	}
	m.applied.WithLabelValues(source).Add(float64(applied))
	m.pruned.WithLabelValues(source).Add(float64(pruned))
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.revisions[source]; ok && old != revision {
		m.revision.DeleteLabelValues(source, old)
	}
	m.revisions[source] = revision
	m.revision.WithLabelValues(source, revision).Set(1)
}

package audit

import (
	"encoding/json"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earkiv/earkiv/internal/earkiv"
)

// Metrics count audits for operators: the scheduled audits' objects, bytes
// and runs as they go, and every audit's summary from its fixity.audit
// event, so audits run from the command line count too.
type Metrics struct {
	objects *prometheus.CounterVec
	bytes   prometheus.Counter
	runs    *prometheus.CounterVec
	last    prometheus.Gauge
	audits  *prometheus.CounterVec
	failed  *prometheus.CounterVec
}

// NewMetrics registers the fixity metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		objects: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "earkiv", Subsystem: "fixity", Name: "objects_total",
			Help: "Objects checked by scheduled audits, by tenant and outcome (ok, mismatch, missing, orphan, error)."}, []string{"tenant", "outcome"}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "earkiv", Subsystem: "fixity", Name: "bytes_total",
			Help: "Bytes read back and hashed by scheduled audits."}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "earkiv", Subsystem: "fixity", Name: "runs_total",
			Help: "Scheduled audit runs by result (clean, failed, error)."}, []string{"result"}),
		last: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "earkiv", Subsystem: "fixity", Name: "last_run_timestamp_seconds",
			Help: "When the last scheduled audit finished."}),
		audits: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "earkiv", Subsystem: "fixity", Name: "audits_total",
			Help: "Audit runs per tenant by outcome (success, failure), scheduled or from the command line."}, []string{"tenant", "outcome"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "earkiv", Subsystem: "fixity", Name: "failed_objects_total",
			Help: "Objects found mismatched, missing, orphaned or unreadable, by any audit."}, []string{"tenant"}),
	}
	reg.MustRegister(m.objects, m.bytes, m.runs, m.last, m.audits, m.failed)
	return m
}

// ObserveEvent counts an audit summary event (one per tenant and run); it
// ignores every other event, so it can watch the whole event log
// (catalog.Catalog.Observe).
func (m *Metrics) ObserveEvent(e earkiv.Event) {
	if e.Type != earkiv.FixityAudit {
		return
	}
	m.audits.WithLabelValues(e.Tenant, e.Outcome).Inc()
	var d struct {
		Summary Summary `json:"summary"`
	}
	if json.Unmarshal(e.Data, &d) == nil {
		s := d.Summary
		m.failed.WithLabelValues(e.Tenant).Add(float64(s.Mismatch + s.Missing + s.Orphans + s.Errors))
	}
}

// observe counts one result of a scheduled audit.
func (m *Metrics) observe(f Finding) {
	m.objects.WithLabelValues(f.Tenant, f.Outcome).Inc()
	if f.Outcome == OK || f.Outcome == Mismatch {
		m.bytes.Add(float64(f.Size))
	}
}

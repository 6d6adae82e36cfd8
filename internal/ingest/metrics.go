package ingest

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the ingest counters served on /metrics.
type Metrics struct {
	Packages   *prometheus.CounterVec   // by tenant, status
	Bytes      *prometheus.CounterVec   // stored bytes by tenant
	Files      *prometheus.CounterVec   // stored files by tenant
	Duration   *prometheus.HistogramVec // seconds per package by status
	Failures   *prometheus.CounterVec   // attempts that failed, by tenant and stage
	InProgress prometheus.Gauge
}

// NewMetrics registers the ingest metrics on reg (nil: not registered, for tests).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Packages: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "earkiv", Subsystem: "ingest", Name: "packages_total",
			Help: "Packages processed, by tenant and receipt status."}, []string{"tenant", "status"}),
		Bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "earkiv", Subsystem: "ingest", Name: "stored_bytes_total",
			Help: "Bytes of submitted files stored in AIPs."}, []string{"tenant"}),
		Files: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "earkiv", Subsystem: "ingest", Name: "stored_files_total",
			Help: "Submitted files stored in AIPs."}, []string{"tenant"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "earkiv", Subsystem: "ingest", Name: "duration_seconds",
			Help: "Time from pick-up to receipt.", Buckets: prometheus.ExponentialBuckets(0.01, 3, 12)}, []string{"status"}),
		Failures: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "earkiv", Subsystem: "ingest", Name: "failures_total",
			Help: "Ingest attempts that failed and will be retried or dead-lettered, by stage."}, []string{"tenant", "stage"}),
		InProgress: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "earkiv", Subsystem: "ingest", Name: "in_progress",
			Help: "Packages being ingested now by this process."}),
	}
	if reg != nil {
		reg.MustRegister(m.Packages, m.Bytes, m.Files, m.Duration, m.Failures, m.InProgress)
	}
	return m
}

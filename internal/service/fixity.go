package service

import (
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earkiv/earkiv/internal/audit"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/tenant"
)

type fixityMetrics struct {
	objects *prometheus.CounterVec
	bytes   prometheus.Counter
	runs    *prometheus.CounterVec
	last    prometheus.Gauge
	// From fixity.audit events, so audits run from the CLI count too.
	audits *prometheus.CounterVec
	failed *prometheus.CounterVec
}

// observe counts an audit summary event (one per tenant and run).
func (m *fixityMetrics) observe(e earkiv.Event) {
	if e.Type != earkiv.FixityAudit {
		return
	}
	m.audits.WithLabelValues(e.Tenant, e.Outcome).Inc()
	var d struct {
		Summary audit.Summary `json:"summary"`
	}
	if json.Unmarshal(e.Data, &d) == nil {
		s := d.Summary
		m.failed.WithLabelValues(e.Tenant).Add(float64(s.Mismatch + s.Missing + s.Orphans + s.Errors))
	}
}

func newFixityMetrics(reg prometheus.Registerer) *fixityMetrics {
	m := &fixityMetrics{
		objects: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "earkiv", Subsystem: "fixity", Name: "objects_total",
			Help: "Objects checked by scheduled audits, by tenant and outcome (ok, mismatch, missing, orphan, error)."}, []string{"tenant", "outcome"}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "earkiv", Subsystem: "fixity", Name: "bytes_total",
			Help: "Bytes read back and hashed by scheduled audits."}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "earkiv", Subsystem: "fixity", Name: "runs_total",
			Help: "Scheduled audit runs by result (clean, failed, error)."}, []string{"result"}),
		last: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "earkiv", Subsystem: "fixity", Name: "last_run_timestamp_seconds",
			Help: "When the last scheduled audit finished."}),
	}
	m.audits = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "earkiv", Subsystem: "fixity", Name: "audits_total",
		Help: "Audit runs per tenant by outcome (success, failure), scheduled or from the command line."}, []string{"tenant", "outcome"})
	m.failed = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "earkiv", Subsystem: "fixity", Name: "failed_objects_total",
		Help: "Objects found mismatched, missing, orphaned or unreadable, by any audit."}, []string{"tenant"})
	reg.MustRegister(m.objects, m.bytes, m.runs, m.last, m.audits, m.failed)
	return m
}

// scheduleAudits verifies every object once per cycle, spread evenly: each
// interval it audits the share of objects least recently verified, so a
// cycle's reads are not one burst. A run interrupted by shutdown is resumed
// at the next start.
func scheduleAudits(ctx context.Context, cfg FixityConfig, dir string, tenants func() *tenant.Registry, stores *Stores,
	cat *catalog.Catalog, q *queue.Client, version string, m *fixityMetrics, log *slog.Logger) {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Hour
	}
	t := time.NewTimer(min(cfg.Interval, 10*time.Second)) // first slice soon after start
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		t.Reset(cfg.Interval)
		n, err := cat.ObjectCount(ctx)
		if err != nil {
			log.Error("fixity schedule", "err", err)
			continue
		}
		share := int(math.Ceil(float64(n) * float64(cfg.Interval) / float64(cfg.Cycle)))
		if share == 0 {
			continue
		}
		reg := tenants()
		run, err := resumeOrNew(dir)
		if err != nil {
			log.Error("fixity schedule", "err", err)
			continue
		}
		job := &audit.Job{
			Options: audit.Options{Tenants: reg.Sorted(), Store: stores.For, NotCheckedIn: cfg.Cycle, Limit: share,
				Rate: cfg.Rate, Workers: max(cfg.Workers, 1), OrphanGrace: 24 * time.Hour},
			Run: run, Verified: cat, Publish: q.Publish, Version: version,
			Locate: stores.Locator(func() *tenant.Registry { return reg }),
			Observe: func(f audit.Finding) {
				m.objects.WithLabelValues(f.Tenant, f.Outcome).Inc()
				if f.Outcome == audit.OK || f.Outcome == audit.Mismatch {
					m.bytes.Add(float64(f.Size))
				}
			},
		}
		res, err := job.Execute(ctx)
		switch {
		case err != nil:
			m.runs.WithLabelValues("error").Inc()
			log.Error("scheduled fixity audit", "run", run.ID, "err", err)
		case !res.Complete:
			log.Info("scheduled fixity audit interrupted; resumes at the next start", "run", run.ID)
		default:
			m.last.SetToCurrentTime()
			result := "clean"
			if res.Summary.Failed() {
				result = "failed"
				log.Error("scheduled fixity audit found damage", "run", run.ID, "mismatch", res.Summary.Mismatch,
					"missing", res.Summary.Missing, "orphans", res.Summary.Orphans, "unreadable", res.Summary.Errors)
			} else {
				log.Info("scheduled fixity audit", "run", run.ID, "objects", res.Summary.Objects, "bytes", res.Summary.Bytes)
			}
			m.runs.WithLabelValues(result).Inc()
		}
	}
}

// resumeOrNew continues an unfinished scheduled run, else starts one.
func resumeOrNew(dir string) (*audit.Run, error) {
	if id, err := audit.LatestRun(dir); err == nil {
		if r, err := audit.OpenRun(dir, id); err == nil && r.Finished == nil && r.Params["scheduled"] == "true" {
			return r, nil
		} else if r != nil {
			_ = r.Close(false) // read to be passed over
		}
	}
	return audit.NewRun(dir, map[string]string{"scheduled": "true"})
}

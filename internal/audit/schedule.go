package audit

import (
	"context"
	"log/slog"
	"math"
	"time"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Catalog is what a schedule needs of the catalog: how many objects there
// are to spread over a cycle, and when each was last verified.
type Catalog interface {
	Verifications
	ObjectCount(ctx context.Context) (int, error)
}

// Schedule verifies every object once per Cycle (positive), spread evenly: each
// Interval it audits the share of objects least recently verified, so a
// cycle's reads are not one burst. A run interrupted by shutdown is resumed
// at the next start.
type Schedule struct {
	Cycle    time.Duration
	Interval time.Duration // default an hour
	Rate     int64         // bytes per second; 0: unlimited
	Workers  int
	Dir      string                  // the audit runs' state folder
	Tenants  func() *tenant.Registry // the current tenants, read at each slice
	Place    placement.Placement
	Catalog  Catalog
	Publish  func(ctx context.Context, e earkiv.Event) error
	Version  string
	Metrics  *Metrics // optional
	Log      *slog.Logger
}

// Run audits a slice each interval until ctx ends; it returns nil then,
// once the slice in progress has stopped and kept its state.
func (s *Schedule) Run(ctx context.Context) error {
	interval := s.Interval
	if interval <= 0 {
		interval = time.Hour
	}
	t := time.NewTimer(min(interval, 10*time.Second)) // first slice soon after start
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		t.Reset(interval)
		s.slice(ctx, interval)
	}
}

// slice runs one interval's audit; its failures are logged and counted,
// and the next interval tries again.
func (s *Schedule) slice(ctx context.Context, interval time.Duration) {
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	n, err := s.Catalog.ObjectCount(ctx)
	if err != nil {
		log.Error("fixity schedule", "err", err)
		return
	}
	share := int(math.Ceil(float64(n) * float64(interval) / float64(s.Cycle)))
	if share == 0 {
		return
	}
	reg := s.Tenants()
	run, err := resumeOrNew(s.Dir)
	if err != nil {
		log.Error("fixity schedule", "err", err)
		return
	}
	job := &Job{
		Options: Options{Tenants: reg.Sorted(), Place: s.Place, NotCheckedIn: s.Cycle, Limit: share,
			Rate: s.Rate, Workers: max(s.Workers, 1), OrphanGrace: 24 * time.Hour},
		Run: run, Verified: s.Catalog, Publish: s.Publish, Version: s.Version, Lookup: reg.Get,
	}
	if s.Metrics != nil {
		job.Observe = s.Metrics.observe
	}
	res, err := job.Execute(ctx)
	switch {
	case err != nil:
		s.countRun("error")
		log.Error("scheduled fixity audit", "run", run.ID, "err", err)
	case !res.Complete:
		log.Info("scheduled fixity audit interrupted; resumes at the next start", "run", run.ID)
	default:
		if s.Metrics != nil {
			s.Metrics.last.SetToCurrentTime()
		}
		result := "clean"
		if res.Summary.Failed() {
			result = "failed"
			log.Error("scheduled fixity audit found damage", "run", run.ID, "mismatch", res.Summary.Mismatch,
				"missing", res.Summary.Missing, "orphans", res.Summary.Orphans, "unreadable", res.Summary.Errors)
		} else {
			log.Info("scheduled fixity audit", "run", run.ID, "objects", res.Summary.Objects, "bytes", res.Summary.Bytes)
		}
		s.countRun(result)
	}
}

func (s *Schedule) countRun(result string) {
	if s.Metrics != nil {
		s.Metrics.runs.WithLabelValues(result).Inc()
	}
}

// resumeOrNew continues an unfinished scheduled run, else starts one.
func resumeOrNew(dir string) (*Run, error) {
	if id, err := LatestRun(dir); err == nil {
		if r, err := OpenRun(dir, id); err == nil && r.Finished == nil && r.Params["scheduled"] == "true" {
			return r, nil
		} else if r != nil {
			_ = r.Close(false) // read to be passed over
		}
	}
	return NewRun(dir, map[string]string{"scheduled": "true"})
}

package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/placement"
)

// RepairJob restores the failed objects of one audit run from the tenants'
// replicas and records what it did where an audit records its results: the
// catalog's last verification of each restored object, a PREMIS event log
// per AIP (<aip>/events/repair-<id>.xml) and one fixity.repair event per
// tenant. Dir, Place and Lookup are required.
type RepairJob struct {
	Dir      string // the audit runs' state folder
	RunID    string // the audit run to repair; empty: the latest
	Tenant   string // only this tenant's objects; empty: every tenant's
	Place    placement.Placement
	Lookup   Lookup
	Verified Verifications                                   // optional
	Publish  func(ctx context.Context, e earkiv.Event) error // optional
	Version  string
	Log      *slog.Logger     // optional
	Now      func() time.Time // optional
}

// RepairResult is what a repair did.
type RepairResult struct {
	RunID    string    // the audit run repaired
	RepairID string    // names the repair's event logs and catalog records
	Findings []Finding // one per object tried: Repaired, Unrepairable or Disposed
	Repaired int
	Failed   int
	Disposed int // refused: gallring disposed of them
}

// Run repairs the run's mismatched and missing objects. Once the objects
// are tried it returns the result even with an error, so the caller can
// show what was restored before the step that failed.
func (j *RepairJob) Run(ctx context.Context) (*RepairResult, error) {
	now := j.Now
	if now == nil {
		now = time.Now
	}
	log := j.Log
	if log == nil {
		log = slog.Default()
	}
	id := j.RunID
	if id == "" {
		var err error
		if id, err = LatestRun(j.Dir); err != nil {
			return nil, err
		}
	}
	run, err := OpenRun(j.Dir, id)
	if err != nil {
		return nil, err
	}
	if err := run.Close(false); err != nil { // only read
		return nil, err
	}
	var bad []Finding
	for _, f := range run.Findings() {
		if f.Bad() && (j.Tenant == "" || f.Tenant == j.Tenant) {
			bad = append(bad, f)
		}
	}
	fixed, err := Repair(ctx, j.Place, j.Lookup, bad, now)
	if err != nil {
		return nil, err
	}
	res := &RepairResult{RunID: id, RepairID: id + "-" + now().UTC().Format("20060102T150405Z"), Findings: fixed}
	var repaired []Finding
	for _, f := range fixed {
		if f.Outcome == Disposed {
			res.Disposed++
			continue
		}
		if f.Outcome != Repaired {
			res.Failed++
			continue
		}
		res.Repaired++
		ok := f
		ok.Outcome = OK
		repaired = append(repaired, ok)
		if j.Verified != nil {
			if err := j.Verified.SetVerified(ctx, f.Tenant, f.Key, f.Checked, OK, res.RepairID); err != nil {
				// The object is restored; only the catalog's note of it is
				// behind, and the catalog is a cache.
				log.Warn("catalog: record the repair (reindex or the next audit corrects it)", "key", f.Key, "err", err)
			}
		}
	}
	if _, err := WriteEventLogs(ctx, j.Place, j.Lookup, "repair", res.RepairID, j.Version, repaired); err != nil {
		return res, err
	}
	if j.Publish != nil {
		for _, e := range repairEvents(id, fixed) {
			if err := j.Publish(ctx, e); err != nil {
				return res, fmt.Errorf("the repair of %s is done and in the buckets' event logs, but its event was not published: %w", e.Tenant, err)
			}
		}
	}
	return res, nil
}

// repairEvents makes one fixity.repair event per tenant, in tenant order.
func repairEvents(runID string, fixed []Finding) []earkiv.Event {
	per := map[string][]Finding{}
	var tenants []string
	for _, f := range fixed {
		if per[f.Tenant] == nil {
			tenants = append(tenants, f.Tenant)
		}
		per[f.Tenant] = append(per[f.Tenant], f)
	}
	sort.Strings(tenants)
	out := make([]earkiv.Event, 0, len(tenants))
	for _, t := range tenants {
		fs := per[t]
		failed, disposed := 0, 0
		for _, f := range fs {
			switch f.Outcome {
			case Repaired:
			case Disposed:
				disposed++
			default:
				failed++
			}
		}
		outcome := earkiv.Success
		if failed > 0 {
			outcome = earkiv.Failure
		}
		data, _ := json.Marshal(fs)
		out = append(out, earkiv.Event{Tenant: t, Type: earkiv.FixityRepair, Outcome: outcome, Data: data,
			Detail: fmt.Sprintf("audit run %s: %d objects restored from the replica, %d could not be, %d not restored: disposed of by gallring",
				runID, len(fs)-failed-disposed, failed, disposed)})
	}
	return out
}

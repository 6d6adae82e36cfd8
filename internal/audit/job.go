package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Verifications is where each object's last check is kept (the catalog).
type Verifications interface {
	SetVerified(ctx context.Context, tenant, key string, at time.Time, outcome, run string) error
	LastVerified(ctx context.Context, tenant string) (map[string]time.Time, error)
}

// Job is one audit run from plan to record: every result goes to the run's
// state file as it comes (so it can resume) and to the catalog; at the end
// each audited AIP gets a PREMIS event log and each tenant one summary event.
type Job struct {
	Options
	Run      *Run
	Lookup   Lookup                                          // optional: the tenants of Options by default
	Verified Verifications                                   // optional
	Publish  func(ctx context.Context, e earkiv.Event) error // optional
	Version  string
	Progress *Progress     // optional, updated as the audit goes
	Observe  func(Finding) // optional, called for each result (metrics)

	disposed map[string]int // per tenant, from the plan
}

// Progress counts a running audit, for progress bars and metrics.
type Progress struct {
	Objects, Done    atomic.Int64
	Bytes, BytesDone atomic.Int64
	Started          time.Time
}

// Result is a finished (or stopped) audit.
type Result struct {
	RunID    string    `json:"run"`
	Summary  Summary   `json:"summary"`
	Bad      []Finding `json:"findings"`
	Complete bool      `json:"complete"`
	Logs     int       `json:"eventLogs"`
}

// Execute runs the job. An interrupted job (ctx ended) returns what it has,
// Complete false, and can be resumed from its state file.
func (j *Job) Execute(ctx context.Context) (*Result, error) {
	if j.Now == nil {
		j.Now = time.Now
	}
	if j.Verified != nil && (j.NotCheckedIn > 0 || j.Limit > 0) {
		last := map[string]map[string]time.Time{}
		for _, t := range j.Tenants {
			m, err := j.Verified.LastVerified(ctx, t.ID)
			if err != nil {
				return nil, err
			}
			last[t.ID] = m
		}
		j.LastVerified = func(tenant, key string) time.Time { return last[tenant][key] }
	}
	j.Seed = j.Run.Seed
	done := map[string]bool{}
	for _, f := range j.Run.Findings() {
		done[f.Tenant+"/"+f.Key] = true
	}
	pl, err := plan(ctx, j.Options)
	if err != nil {
		return nil, err
	}
	j.disposed = pl.disposed
	found := pl.found
	var todo []Target
	for _, t := range pl.targets {
		if !done[t.Tenant.ID+"/"+t.Key] {
			todo = append(todo, t)
		}
	}
	if j.Progress == nil {
		j.Progress = &Progress{}
	}
	p := j.Progress
	p.Started = time.Now()
	p.Objects.Store(int64(len(todo) + len(found)))
	for _, t := range todo {
		p.Bytes.Add(t.Size)
	}
	var mu sync.Mutex
	var recErr error
	record := func(f Finding) {
		if err := j.Run.Record(f); err != nil {
			mu.Lock()
			recErr = err
			mu.Unlock()
		}
		if j.Verified != nil {
			if err := j.Verified.SetVerified(ctx, f.Tenant, f.Key, f.Checked, f.Outcome, j.Run.ID); err != nil && ctx.Err() == nil {
				mu.Lock()
				recErr = err
				mu.Unlock()
			}
		}
		p.Done.Add(1)
		p.BytesDone.Add(f.Size)
		if j.Observe != nil {
			j.Observe(f)
		}
	}
	for _, f := range found {
		record(f)
	}
	opts := j.Options
	opts.OnResult = record
	err = Check(ctx, opts, todo)
	if recErr != nil {
		return nil, recErr
	}
	res := &Result{RunID: j.Run.ID}
	for _, f := range j.Run.Findings() {
		res.Summary.Add(f)
		if f.Bad() {
			res.Bad = append(res.Bad, f)
		}
	}
	for _, n := range j.disposed {
		res.Summary.Disposed += n
	}
	if err != nil { // interrupted: keep the state for a resume
		if cerr := j.Run.Close(false); cerr != nil {
			return res, fmt.Errorf("keep the audit state for a resume: %w", cerr)
		}
		return res, nil
	}
	res.Complete = true
	n, err := WriteEventLogs(ctx, j.Place, j.lookup(), "fixity", j.Run.ID, j.Version, j.Run.Findings())
	res.Logs = n
	if err != nil {
		_ = j.Run.Close(false) // the error returned is the one that counts
		return res, fmt.Errorf("record fixity events: %w", err)
	}
	if j.Publish != nil {
		for _, e := range j.summaryEvents(res) {
			if err := j.Publish(ctx, e); err != nil {
				_ = j.Run.Close(false) // the error returned is the one that counts
				return res, fmt.Errorf("publish audit summary: %w", err)
			}
		}
	}
	return res, j.Run.Close(true)
}

// lookup finds the tenants of the run's findings: in Lookup, else among
// the tenants audited.
func (j *Job) lookup() Lookup {
	if j.Lookup != nil {
		return j.Lookup
	}
	return func(id string) (*tenant.Tenant, error) {
		for _, t := range j.Tenants {
			if t.ID == id {
				return t, nil
			}
		}
		return nil, fmt.Errorf("audit: tenant %s is not in this audit", id)
	}
}

// summaryEvents makes one fixity.audit event per tenant: a single summary,
// not an alert per file.
func (j *Job) summaryEvents(res *Result) []earkiv.Event {
	per := map[string]*Summary{}
	bad := map[string][]Finding{}
	for _, t := range j.Tenants {
		per[t.ID] = &Summary{}
	}
	for _, f := range j.Run.Findings() {
		if s := per[f.Tenant]; s != nil {
			s.Add(f)
		}
		if f.Bad() && len(bad[f.Tenant]) < 100 {
			bad[f.Tenant] = append(bad[f.Tenant], f)
		}
	}
	var out []earkiv.Event
	for _, t := range j.Tenants {
		s := per[t.ID]
		s.Disposed = j.disposed[t.ID]
		outcome := "success"
		if s.Failed() {
			outcome = "failure"
		}
		data, _ := json.Marshal(map[string]any{"run": j.Run.ID, "summary": s, "findings": bad[t.ID]})
		out = append(out, earkiv.Event{Tenant: t.ID, Type: earkiv.FixityAudit, Outcome: outcome, Data: data,
			Detail: fmt.Sprintf("run %s: %d objects, %d ok, %d mismatched, %d missing, %d orphans, %d unreadable; %d disposed of by gallring",
				j.Run.ID, s.Objects, s.OK, s.Mismatch, s.Missing, s.Orphans, s.Errors, s.Disposed)})
	}
	return out
}

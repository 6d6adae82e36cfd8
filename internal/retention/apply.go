package retention

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ihp"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Applied says what re-evaluation did.
type Applied struct {
	Plan     string `json:"plan"`
	Records  int    `json:"records"`  // records evaluated
	Changed  int    `json:"changed"`  // records with a new outcome
	Extended int    `json:"extended"` // object versions whose lock was extended
	// Shortened are records now due earlier than their lock: the new date
	// is recorded, and only the gallring executor's credential moves it.
	Shortened int              `json:"shortened"`
	Locked    []catalog.Change `json:"locked"` // earlier dates a COMPLIANCE lock keeps from applying
}

// changesPerEvent keeps a retention.changed event well under NATS's
// default 1 MiB payload.
const changesPerEvent = 500

// Apply re-evaluates every record not yet evaluated under the plan in
// force: later dates extend the objects' locks in the primary and the
// replica, earlier ones are recorded for the executor, and the changed
// outcomes go out as retention.changed events, which the catalog projects.
// It is idempotent: a run cut short is finished by the next one.
func (s *Service) Apply(ctx context.Context, t *tenant.Tenant) (*Applied, error) {
	if s.cfg.Catalog == nil {
		return nil, ErrNoCatalog
	}
	v, err := s.InForce(ctx, t)
	if err != nil || v == nil {
		return &Applied{Locked: []catalog.Change{}}, err
	}
	if v.AIPID == "" {
		if _, err := s.archivePlan(ctx, t, v); err != nil {
			return nil, err
		}
	}
	p, err := s.preview(ctx, t, v, true)
	if err != nil {
		return nil, err
	}
	res := &Applied{Plan: v.ID, Records: p.Records, Changed: len(p.Changes), Locked: p.Locked}
	byAIP := map[string][]catalog.Change{}
	var order []string
	for _, c := range p.Changes {
		if _, ok := byAIP[c.AIP]; !ok {
			order = append(order, c.AIP)
		}
		byAIP[c.AIP] = append(byAIP[c.AIP], c)
		if earlier(c.New, c.Old) {
			res.Shortened++
		}
	}
	var jobs []lockJob
	for _, id := range order {
		js, err := s.lockJobs(ctx, t, id, byAIP[id])
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, js...)
	}
	n, err := s.runLocks(ctx, t, jobs)
	res.Extended = n
	if err != nil {
		return res, err
	}
	for i := 0; i < len(p.Changes); i += changesPerEvent {
		chunk := p.Changes[i:min(i+changesPerEvent, len(p.Changes))]
		data, err := json.Marshal(catalog.Changes{Plan: v.ID, Changes: chunk})
		if err != nil {
			return res, err
		}
		if err := s.cfg.Events.Publish(ctx, earkiv.Event{Tenant: t.ID, Type: earkiv.RetentionChanged, Outcome: earkiv.Success,
			Detail: fmt.Sprintf("%d nya utfall enligt plan %s", len(chunk), v.ID), Data: data}); err != nil {
			return res, fmt.Errorf("retention: event: %w", err)
		}
	}
	return res, nil
}

// lockJob is one object version whose lock is extended.
type lockJob struct {
	key, version string
	lock         earkiv.Lock
}

// lockJobs compares an AIP's locks under its current and its new
// outcomes, and returns the extensions.
func (s *Service) lockJobs(ctx context.Context, t *tenant.Tenant, aipID string, changes []catalog.Change) ([]lockJob, error) {
	m, err := s.cfg.Catalog.Manifest(ctx, t.ID, aipID)
	if err != nil {
		return nil, fmt.Errorf("retention: AIP %s: %w", aipID, err)
	}
	cur, err := s.cfg.Catalog.Retention(ctx, t.ID, aipID)
	if err != nil {
		return nil, err
	}
	oldOut, newOut := outcomesOf(cur, aipID, nil), outcomesOf(cur, aipID, changes)
	mode := t.RetentionMode()
	oldM, newM := *m, *m
	oldM.Objects = append([]aip.Object(nil), m.Objects...)
	newM.Objects = append([]aip.Object(nil), m.Objects...)
	oldL, newL := ObjectLocks(&oldM, oldOut, mode), ObjectLocks(&newM, newOut, mode)
	now := s.cfg.Now()
	var out []lockJob
	add := func(key, version string, o, n earkiv.Lock) {
		if n.RetainUntil.After(o.RetainUntil) && n.RetainUntil.After(now) {
			out = append(out, lockJob{key: key, version: version, lock: earkiv.Lock{Mode: mode, RetainUntil: n.RetainUntil}})
		}
	}
	for _, o := range m.Objects {
		add(o.Key, o.VersionID, oldL[o.Key], newL[o.Key])
	}
	add(aip.ManifestKey(aipID), "", oldM.Retention, newM.Retention)
	return out, nil
}

// outcomesOf rebuilds an AIP's case outcomes from catalog records, with
// changes applied.
func outcomesOf(recs []catalog.Record, aipID string, changes []catalog.Change) []ihp.CaseOutcome {
	ch := map[string]ihp.Outcome{}
	for _, c := range changes {
		ch[c.Case+"\x00"+c.Document] = c.New
	}
	var out []ihp.CaseOutcome
	idx := map[string]int{}
	for _, r := range recs {
		if r.AIP != aipID {
			continue
		}
		o := r.Outcome
		if n, ok := ch[r.Case+"\x00"+r.Document]; ok {
			o = n
		}
		i, ok := idx[r.Case]
		if !ok {
			i = len(out)
			idx[r.Case] = i
			out = append(out, ihp.CaseOutcome{Case: r.Case})
		}
		if r.Document == "" {
			out[i].Outcome = o
		} else {
			out[i].Documents = append(out[i].Documents, ihp.DocumentOutcome{Document: r.Document, Outcome: o})
		}
	}
	return out
}

// runLocks extends locks in the primary (the version the manifest names)
// and the replica (its current version), Workers at a time, retrying
// while a store is unavailable.
func (s *Service) runLocks(ctx context.Context, t *tenant.Tenant, jobs []lockJob) (int, error) {
	if len(jobs) == 0 {
		return 0, nil
	}
	prim, err := s.cfg.Place.Primary(t)
	if err != nil {
		return 0, err
	}
	rep, hasRep, err := s.cfg.Place.Replica(t)
	if err != nil {
		return 0, err
	}
	var mu sync.Mutex
	done := 0
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(s.cfg.Workers)
	for _, j := range jobs {
		g.Go(func() error {
			if err := retry(ctx, func() error { return prim.Store.SetLock(ctx, prim.Name, j.key, j.version, j.lock) }); err != nil {
				return err
			}
			if hasRep {
				err := retry(ctx, func() error { return rep.Store.SetLock(ctx, rep.Name, j.key, "", j.lock) })
				if err != nil && !errors.Is(err, storage.ErrNotFound) {
					return err
				}
			}
			mu.Lock()
			done++
			mu.Unlock()
			return nil
		})
	}
	return done, g.Wait()
}

// retry runs op until it succeeds, fails for a reason other than the
// store being unavailable, or ctx ends.
func retry(ctx context.Context, op func() error) error {
	wait := 100 * time.Millisecond
	for {
		err := op()
		if err == nil || !storage.IsTransient(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(wait*2, 5*time.Second)
	}
}

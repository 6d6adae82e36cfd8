package retention

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/earkiv"
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
	// Took is how long each phase ran, for the log and the benchmark.
	Took struct {
		Evaluate time.Duration `json:"evaluate"`
		Locks    time.Duration `json:"locks"`
		Events   time.Duration `json:"events"`
	} `json:"took"`
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
	start := time.Now()
	p, err := s.preview(ctx, t, v, true)
	if err != nil {
		return nil, err
	}
	res := &Applied{Plan: v.ID, Records: p.Records, Changed: len(p.Changes), Locked: p.Locked}
	var order []string
	for _, c := range p.Changes {
		if len(order) == 0 || order[len(order)-1] != c.AIP {
			order = append(order, c.AIP)
		}
		if earlier(c.New, c.Old) {
			res.Shortened++
		}
	}
	var jobs []lockJob
	for _, id := range order {
		js, err := s.lockJobs(ctx, t, id, p.byAIP[id])
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, js...)
	}
	res.Took.Evaluate = time.Since(start)
	start = time.Now()
	n, err := s.runLocks(ctx, t, jobs)
	res.Extended = n
	res.Took.Locks = time.Since(start)
	if err != nil {
		return res, err
	}
	start = time.Now()
	defer func() { res.Took.Events = time.Since(start) }()
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
func (s *Service) lockJobs(ctx context.Context, t *tenant.Tenant, aipID string, ao *aipOutcomes) ([]lockJob, error) {
	m, err := s.cfg.Catalog.Manifest(ctx, t.ID, aipID)
	if err != nil {
		return nil, fmt.Errorf("retention: AIP %s: %w", aipID, err)
	}
	oldOut, newOut := ao.old, ao.new
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
			if err := extend(ctx, prim.Store, prim.Name, j.key, j.version, j.lock); err != nil {
				return err
			}
			if hasRep {
				if err := extend(ctx, rep.Store, rep.Name, j.key, "", j.lock); err != nil {
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

// extend locks one version until l.RetainUntil. A store that refuses
// because it holds a later date already (a date recorded earlier than the
// lock, which only the executor shortens) is as good as done.
func extend(ctx context.Context, st *storage.Store, bucket, key, version string, l earkiv.Lock) error {
	err := retry(ctx, func() error { return st.SetLock(ctx, bucket, key, version, l) })
	if err == nil || ctx.Err() != nil {
		return err
	}
	have, herr := st.VersionLock(ctx, bucket, key, version)
	if herr == nil && !have.RetainUntil.Before(l.RetainUntil) {
		return nil
	}
	return err
}

// retry is storage.Retry.
var retry = storage.Retry

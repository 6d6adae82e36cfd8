package retention

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/holds"
	"github.com/earkiv/earkiv/internal/ihp"
	"github.com/earkiv/earkiv/internal/plans"
	"github.com/earkiv/earkiv/internal/tenant"
)

// stampKey is bumped after every change ingest must see (a version
// activated, a hold placed or lifted), so an appraiser reloads only then.
const stampKey = "stamp"

func bumpStamp(ctx context.Context, kv func(context.Context, string) (jetstream.KeyValue, error), tenantID string) error {
	b, err := kv(ctx, tenantID)
	if err != nil {
		return err
	}
	_, err = b.Put(ctx, stampKey, []byte(strconv.FormatInt(time.Now().UnixNano(), 10)))
	return err
}

// Appraiser decides outcomes and locks at ingest, with the same Evaluate
// preview and re-evaluation use. It caches each tenant's plans and active
// holds and checks one KV key per package to know they are current.
type Appraiser struct {
	Plans *plans.Store
	Holds *holds.Store
	Now   func() time.Time

	mu    sync.Mutex
	cache map[string]*snapshot
}

type snapshot struct {
	stamp    uint64
	versions []*plans.Version
	holds    []*holds.Hold
}

func (a *Appraiser) snapshot(ctx context.Context, tenantID string) (*snapshot, error) {
	kv, err := a.Plans.KV(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	var stamp uint64
	e, err := kv.Get(ctx, stampKey)
	switch {
	case err == nil:
		stamp = e.Revision()
	case !errors.Is(err, jetstream.ErrKeyNotFound):
		return nil, err
	}
	a.mu.Lock()
	sn := a.cache[tenantID]
	a.mu.Unlock()
	if sn != nil && sn.stamp == stamp && stamp != 0 {
		return sn, nil
	}
	vs, err := a.Plans.List(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	hs, err := a.Holds.Active(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	sn = &snapshot{stamp: stamp, versions: vs, holds: hs}
	a.mu.Lock()
	if a.cache == nil {
		a.cache = map[string]*snapshot{}
	}
	a.cache[tenantID] = sn
	a.mu.Unlock()
	return sn, nil
}

// Current returns the plan version in force today and the active holds
// of a tenant, as current as the retention bucket's stamp: what the
// gallring executor re-checks each record against.
func (a *Appraiser) Current(ctx context.Context, tenantID string) (*plans.Version, []*holds.Hold, error) {
	sn, err := a.snapshot(ctx, tenantID)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	return plans.InForce(sn.versions, plans.Day(now())), sn.holds, nil
}

// Appraise gives m's cases their outcomes under the plan in force, each
// object its lock (returned by key; m.Retention is the longest) and, when
// an active hold covers a record, Legal Hold on every object.
func (a *Appraiser) Appraise(ctx context.Context, t *tenant.Tenant, m *aip.Manifest) (map[string]earkiv.Lock, error) {
	sn, err := a.snapshot(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	v := plans.InForce(sn.versions, plans.Day(now()))
	var rules ihp.Rules
	m.Plan = ""
	if v != nil {
		rules, m.Plan = v.Rules, v.ID
	}
	m.Outcomes = nil
	for _, c := range m.Cases {
		co := ihp.Evaluate(rules, m.Plan, c)
		if v == nil {
			co = noPlan(co)
		}
		m.Outcomes = append(m.Outcomes, co)
	}
	locks := ObjectLocks(m, m.Outcomes, t.RetentionMode())
	m.Holds = nil
	creator := m.CreatorName()
	for _, h := range sn.holds {
		covers := h.Scope.AIP == m.AIPID
		for _, c := range m.Cases {
			covers = covers || h.Covers(holds.Target{AIP: m.AIPID, Case: c.ID, Class: c.Classification, CaseType: c.CaseType, Creator: creator, Closed: c.Closed})
		}
		if covers {
			m.Holds = append(m.Holds, h.ID)
		}
	}
	if len(m.Holds) > 0 {
		m.Retention.LegalHold = true
		for k, l := range locks {
			l.LegalHold = true
			locks[k] = l
		}
		for i := range m.Objects {
			if m.Objects[i].Lock != nil {
				l := *m.Objects[i].Lock
				l.LegalHold = true
				m.Objects[i].Lock = &l
			}
		}
	}
	return locks, nil
}

// noPlan marks outcomes decided while no plan was in force.
func noPlan(co ihp.CaseOutcome) ihp.CaseOutcome {
	const why = "ingen fastställd plan gällde vid arkiveringen"
	co.Outcome.Review = why
	for i := range co.Documents {
		co.Documents[i].Outcome.Review = why
	}
	return co
}

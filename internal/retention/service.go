package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/holds"
	"github.com/earkiv/earkiv/internal/ihp"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/plans"
	"github.com/earkiv/earkiv/internal/records"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Events publishes events; queue.Client is one.
type Events interface {
	Publish(ctx context.Context, e earkiv.Event) error
}

// Config wires the service.
type Config struct {
	Plans   *plans.Store
	Holds   *holds.Store
	Catalog *catalog.Catalog
	Place   placement.Placement
	Events  Events
	Now     func() time.Time
	Version string // earkiv's, for the PREMIS agent of archived plans
	// Workers is how many S3 lock calls run at once (default 16).
	Workers int
	Log     *slog.Logger
}

// Service carries out what the plan and holds decide. It runs in serve,
// beside the catalog it reads.
type Service struct{ cfg Config }

// New returns the service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Service{cfg: cfg}
}

// ImportPlan reads a plan file into a new utkast.
func (s *Service) ImportPlan(ctx context.Context, t *tenant.Tenant, by, name string, data []byte) (*plans.Version, error) {
	return s.cfg.Plans.Import(ctx, t.ID, by, name, data)
}

// Diff compares two versions' rules.
func (s *Service) Diff(ctx context.Context, t *tenant.Tenant, a, b string) ([]ihp.RuleChange, error) {
	va, err := s.cfg.Plans.Get(ctx, t.ID, a)
	if err != nil {
		return nil, err
	}
	vb, err := s.cfg.Plans.Get(ctx, t.ID, b)
	if err != nil {
		return nil, err
	}
	return ihp.Diff(va.Rules, vb.Rules), nil
}

// Preview is what a version would change if it governed today.
type Preview struct {
	Plan    string           `json:"plan"`
	Records int              `json:"records"` // records evaluated
	Changes []catalog.Change `json:"changes"`
	// Locked are changes to an earlier date that a COMPLIANCE lock keeps
	// from taking effect in the store: reported, not hidden.
	Locked []catalog.Change `json:"locked"`
	// byAIP holds, for every AIP with a change, its cases' outcomes now
	// and after, for the locks.
	byAIP map[string]*aipOutcomes
}

type aipOutcomes struct{ old, new []ihp.CaseOutcome }

// Preview evaluates every archived record under version id, with the one
// function ingest and re-evaluation use, and lists what changes.
func (s *Service) Preview(ctx context.Context, t *tenant.Tenant, id string) (*Preview, error) {
	v, err := s.cfg.Plans.Get(ctx, t.ID, id)
	if err != nil {
		return nil, err
	}
	return s.preview(ctx, t, v, false)
}

func (s *Service) preview(ctx context.Context, t *tenant.Tenant, v *plans.Version, onlyStale bool) (*Preview, error) {
	apps, err := s.cfg.Catalog.Appraisables(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	p := &Preview{Plan: v.ID, Changes: []catalog.Change{}, Locked: []catalog.Change{}, byAIP: map[string]*aipOutcomes{}}
	compliance := t.RetentionMode() == "COMPLIANCE"
	kept := map[string][]ihp.CaseOutcome{} // unchanged cases, by AIP
	for _, a := range apps {
		if onlyStale && evaluatedUnder(a.Current, v.ID) && overridden(a.Current, a.Override) {
			kept[a.AIP] = append(kept[a.AIP], a.Current)
			continue
		}
		co := Decide(v.Rules, v.ID, a.Case, a.Override)
		changed := false
		add := func(doc string, old, nw ihp.Outcome) {
			p.Records++
			if old == nw {
				return
			}
			changed = true
			c := catalog.Change{AIP: a.AIP, Case: a.Case.ID, Document: doc, Old: old, New: nw}
			p.Changes = append(p.Changes, c)
			if compliance && earlier(nw, old) {
				p.Locked = append(p.Locked, c)
			}
		}
		add("", a.Current.Outcome, co.Outcome)
		cur := map[string]ihp.Outcome{}
		for _, d := range a.Current.Documents {
			cur[d.Document] = d.Outcome
		}
		for _, d := range co.Documents {
			add(d.Document, cur[d.Document], d.Outcome)
		}
		if !changed {
			kept[a.AIP] = append(kept[a.AIP], a.Current)
			continue
		}
		ao := p.byAIP[a.AIP]
		if ao == nil {
			ao = &aipOutcomes{}
			p.byAIP[a.AIP] = ao
		}
		ao.old, ao.new = append(ao.old, a.Current), append(ao.new, co)
	}
	for id, ao := range p.byAIP {
		ao.old, ao.new = append(ao.old, kept[id]...), append(ao.new, kept[id]...)
	}
	return p, nil
}

// Decide is a case's outcomes under the plan's rules, with an archivist's
// overrides (by document, "" for the case) winning: the one function
// preview, re-evaluation and the executor's re-check use.
func Decide(rules ihp.Rules, version string, c records.Case, override map[string]ihp.Outcome) ihp.CaseOutcome {
	co := ihp.Evaluate(rules, version, c)
	if o, ok := override[""]; ok {
		co.Outcome = o
	}
	for i := range co.Documents {
		if o, ok := override[co.Documents[i].Document]; ok {
			co.Documents[i].Outcome = o
		}
	}
	return co
}

// overridden reports whether every override is what co already says.
func overridden(co ihp.CaseOutcome, override map[string]ihp.Outcome) bool {
	if o, ok := override[""]; ok && o != co.Outcome {
		return false
	}
	for _, d := range co.Documents {
		if o, ok := override[d.Document]; ok && o != d.Outcome {
			return false
		}
	}
	return true
}

// evaluatedUnder reports whether every outcome of co is under version id.
func evaluatedUnder(co ihp.CaseOutcome, id string) bool {
	if co.Outcome.Basis.Plan != id {
		return false
	}
	for _, d := range co.Documents {
		if d.Outcome.Basis.Plan != id {
			return false
		}
	}
	return true
}

// earlier reports whether n lets a record go sooner than o.
func earlier(n, o ihp.Outcome) bool { return !n.Later(o) }

// ActivatePlan fastställer version id from day from, archives it as an
// AIP, and re-evaluates the archived records if it is in force now.
func (s *Service) ActivatePlan(ctx context.Context, t *tenant.Tenant, id, by, from string) (*plans.Version, error) {
	v, err := s.cfg.Plans.Activate(ctx, t.ID, id, by, from)
	if err != nil {
		return nil, err
	}
	if err := bumpStamp(ctx, s.cfg.Plans.KV, t.ID); err != nil {
		return v, err
	}
	if v, err = s.archivePlan(ctx, t, v); err != nil {
		return v, fmt.Errorf("%s är fastställd men kunde inte arkiveras än (försöks igen): %w", id, err)
	}
	if _, err := s.Apply(ctx, t); err != nil {
		return v, fmt.Errorf("%s är fastställd; omprövningen av arkiverade handlingar fortsätter senare: %w", id, err)
	}
	return v, nil
}

// InForce returns the version governing t today, nil if none.
func (s *Service) InForce(ctx context.Context, t *tenant.Tenant) (*plans.Version, error) {
	vs, err := s.cfg.Plans.List(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	return plans.InForce(vs, plans.Day(s.cfg.Now())), nil
}

// ErrNoCatalog is returned where the service needs the catalog it lacks.
var ErrNoCatalog = errors.New("retention: no catalog in this process")

package disposal

import (
	"context"
	"strings"
	"time"

	"github.com/earkiv/earkiv/internal/tenant"
)

// runEvery is how often the executor looks for lists to carry on with
// and the gauges are set.
const runEvery = 15 * time.Second

// Runner carries out every list that is verkställs, for every tenant, one
// at a time: at start (resuming a list a stopped process left), on each
// Kick, and every runEvery. It stops when ctx ends; a list cut short is
// resumed by the next run.
type Runner struct {
	Service *Service
	Tenants func() *tenant.Registry
	Metrics *Metrics // nil: no gauges
	kick    chan struct{}
}

// NewRunner returns a runner.
func NewRunner(s *Service, tenants func() *tenant.Registry, m *Metrics) *Runner {
	return &Runner{Service: s, Tenants: tenants, Metrics: m, kick: make(chan struct{}, 1)}
}

// Kick asks the runner to look now.
func (r *Runner) Kick() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Run is the runner's loop.
func (r *Runner) Run(ctx context.Context) error {
	t := time.NewTicker(runEvery)
	defer t.Stop()
	s := r.Service
	for {
		for _, tn := range r.Tenants().Sorted() {
			if tn.Operator {
				continue
			}
			ids, err := s.executing(ctx, tn)
			if err != nil && ctx.Err() == nil {
				s.cfg.Log.Error("gallring: lists", "tenant", tn.ID, "err", err)
			}
			for _, id := range ids {
				if _, err := s.Run(ctx, tn, id); err != nil && ctx.Err() == nil {
					s.cfg.Log.Error("gallring: execution interrupted; it is resumed", "tenant", tn.ID, "list", id, "err", err)
				}
			}
			if r.Metrics != nil {
				if err := s.observe(ctx, r.Metrics, tn); err != nil && ctx.Err() == nil {
					s.cfg.Log.Warn("gallring: gauges", "tenant", tn.ID, "err", err)
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-r.kick:
		}
	}
}

// executing lists the tenant's lists that are verkställs, from the
// retention bucket itself: the catalog may lag behind a process that
// stopped between the two.
func (s *Service) executing(ctx context.Context, t *tenant.Tenant) ([]string, error) {
	kv, err := s.cfg.KV(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	lister, err := kv.ListKeysFiltered(ctx, "list.>")
	if err != nil {
		return nil, err
	}
	var out []string
	for k := range lister.Keys() {
		l, _, err := s.get(ctx, t.ID, strings.TrimPrefix(k, "list."))
		if err != nil {
			continue
		}
		if l.State == Executing {
			out = append(out, l.ID)
		}
	}
	return out, nil
}

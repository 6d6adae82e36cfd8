package service

import (
	"context"
	"log/slog"
	"time"

	"github.com/earkiv/earkiv/internal/retention"
	"github.com/earkiv/earkiv/internal/tenant"
)

// reevaluateEvery is how often serve checks that every record is evaluated
// under the plan in force: a plan fastställd with a later validity date
// takes over on its day, and a re-evaluation cut short is finished.
const reevaluateEvery = 10 * time.Minute

// reevaluate runs retention.Apply for every tenant at start and then on
// each tick, until ctx ends.
func reevaluate(s *retention.Service, tenants func() *tenant.Registry, log *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		t := time.NewTicker(reevaluateEvery)
		defer t.Stop()
		for {
			for _, tn := range tenants().Sorted() {
				if tn.Operator {
					continue
				}
				res, err := s.Apply(ctx, tn)
				switch {
				case err != nil && ctx.Err() == nil:
					log.Error("plan re-evaluation", "tenant", tn.ID, "err", err)
				case err == nil && res.Changed > 0:
					log.Info("plan re-evaluation", "tenant", tn.ID, "plan", res.Plan, "changed", res.Changed, "extended", res.Extended, "shortened", res.Shortened)
				}
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}
}

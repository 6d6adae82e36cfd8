package disposal

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earkiv/earkiv/internal/plans"
	"github.com/earkiv/earkiv/internal/tenant"
)

// OverdueAfter is how long past its disposal date a record counts as
// overdue: due records should be on a list well within it.
const OverdueAfter = 90 * 24 * time.Hour

// Metrics are the gallring gauges per tenant: records due and overdue,
// lists awaiting attest and lists in their ångerfrist.
type Metrics struct {
	Due, Overdue, AwaitingAttest, CoolingOff *prometheus.GaugeVec
}

// NewMetrics registers the gauges with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	g := func(name, help string) *prometheus.GaugeVec {
		v := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "earkiv", Subsystem: "gallring", Name: name, Help: help}, []string{"tenant"})
		reg.MustRegister(v)
		return v
	}
	return &Metrics{
		Due:            g("records_due", "Records past their disposal date that no hold stops."),
		Overdue:        g("records_overdue", "Records due for more than 90 days."),
		AwaitingAttest: g("lists_awaiting_attest", "Gallring lists proposed and not yet attested."),
		CoolingOff:     g("lists_cooling_off", "Attested gallring lists whose ångerfrist has not passed."),
	}
}

// observe sets the gauges of one tenant.
func (s *Service) observe(ctx context.Context, m *Metrics, t *tenant.Tenant) error {
	now := s.cfg.Now()
	due, err := s.cfg.Catalog.Due(ctx, t.ID, plans.Day(now))
	if err != nil {
		return err
	}
	over := plans.Day(now.Add(-OverdueAfter))
	n := 0
	for _, r := range due {
		if r.Outcome.Date <= over {
			n++
		}
	}
	m.Due.WithLabelValues(t.ID).Set(float64(len(due)))
	m.Overdue.WithLabelValues(t.ID).Set(float64(n))
	ls, err := s.Lists(ctx, t)
	if err != nil {
		return err
	}
	waiting, cooling := 0, 0
	for _, l := range ls {
		switch {
		case l.State == Proposed:
			waiting++
		case l.State == Attested && now.Before(l.Executable):
			cooling++
		}
	}
	m.AwaitingAttest.WithLabelValues(t.ID).Set(float64(waiting))
	m.CoolingOff.WithLabelValues(t.ID).Set(float64(cooling))
	return nil
}

package retention

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/holds"
	"github.com/earkiv/earkiv/internal/tenant"
)

// PlaceHold stores a gallringsstopp and puts S3 Legal Hold on every
// object of every AIP holding a record it covers, in the primary and the
// replica. Ingest reads active holds, so a later record a query hold
// matches is held from the start.
func (s *Service) PlaceHold(ctx context.Context, t *tenant.Tenant, by string, scope holds.Scope, reason, reference string) (*holds.Hold, error) {
	if s.cfg.Catalog == nil {
		return nil, ErrNoCatalog
	}
	h, err := holds.New(t.ID, scope, reason, reference, by, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	if err := s.cfg.Holds.Place(ctx, h); err != nil {
		return nil, err
	}
	if err := bumpStamp(ctx, s.cfg.Plans.KV, t.ID); err != nil {
		return h, err
	}
	aips, err := s.heldAIPs(ctx, t, h)
	if err != nil {
		return h, err
	}
	return h, s.setHolds(ctx, t, aips, true)
}

// LiftHold lifts a hold with a reason, and takes Legal Hold off the AIPs
// no other active hold covers. A kept record stays locked by its date.
func (s *Service) LiftHold(ctx context.Context, t *tenant.Tenant, id, by, reason string) (*holds.Hold, error) {
	if s.cfg.Catalog == nil {
		return nil, ErrNoCatalog
	}
	h, err := s.cfg.Holds.Lift(ctx, t.ID, id, by, reason)
	if err != nil {
		return nil, err
	}
	if err := bumpStamp(ctx, s.cfg.Plans.KV, t.ID); err != nil {
		return h, err
	}
	covered, err := s.heldAIPs(ctx, t, h)
	if err != nil {
		return h, err
	}
	others, err := s.cfg.Holds.Active(ctx, t.ID)
	if err != nil {
		return h, err
	}
	still := map[string]bool{}
	for _, o := range others {
		ids, err := s.heldAIPs(ctx, t, o)
		if err != nil {
			return h, err
		}
		for _, id := range ids {
			still[id] = true
		}
	}
	var free []string
	for _, id := range covered {
		if !still[id] {
			free = append(free, id)
		}
	}
	return h, s.setHolds(ctx, t, free, false)
}

// heldAIPs lists the AIPs holding records h's scope covers.
func (s *Service) heldAIPs(ctx context.Context, t *tenant.Tenant, h *holds.Hold) ([]string, error) {
	recs, err := s.cfg.Catalog.Held(ctx, t.ID, &holds.Hold{Scope: h.Scope})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range recs {
		if !seen[r.AIP] {
			seen[r.AIP] = true
			out = append(out, r.AIP)
		}
	}
	if h.Scope.AIP != "" && !seen[h.Scope.AIP] {
		// An AIP without described cases is held as a whole too.
		if _, err := s.cfg.Catalog.Manifest(ctx, t.ID, h.Scope.AIP); err == nil {
			out = append(out, h.Scope.AIP)
		}
	}
	return out, nil
}

// setHolds turns Legal Hold on or off on every object of the AIPs.
func (s *Service) setHolds(ctx context.Context, t *tenant.Tenant, aips []string, on bool) error {
	prim, err := s.cfg.Place.Primary(t)
	if err != nil {
		return err
	}
	rep, hasRep, err := s.cfg.Place.Replica(t)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var failed []string
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(s.cfg.Workers)
	for _, id := range aips {
		m, err := s.cfg.Catalog.Manifest(ctx, t.ID, id)
		if err != nil {
			return fmt.Errorf("gallringsstopp: AIP %s: %w", id, err)
		}
		keys := []struct{ key, version string }{{aip.ManifestKey(id), ""}}
		for _, o := range m.Objects {
			keys = append(keys, struct{ key, version string }{o.Key, o.VersionID})
		}
		for _, k := range keys {
			g.Go(func() error {
				if err := retry(ctx, func() error { return prim.Store.SetLegalHold(ctx, prim.Name, k.key, k.version, on) }); err != nil {
					return err
				}
				if hasRep {
					if err := retry(ctx, func() error { return rep.Store.SetLegalHold(ctx, rep.Name, k.key, "", on) }); err != nil {
						mu.Lock()
						failed = append(failed, k.key)
						mu.Unlock()
						s.cfg.Log.Warn("retention: legal hold on replica", "tenant", t.ID, "key", k.key, "err", err)
					}
				}
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("gallringsstopp: legal hold: %w", err)
	}
	if len(failed) > 0 {
		return fmt.Errorf("gallringsstopp: legal hold could not be set on %d objects of the replica (first %s)", len(failed), failed[0])
	}
	return nil
}

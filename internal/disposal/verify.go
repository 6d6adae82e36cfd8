package disposal

import (
	"context"
	"errors"
	"fmt"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Verified is the outcome of checking the buckets against a list's
// protocol.
type Verified struct {
	List     string   `json:"list"`
	OK       bool     `json:"ok"`
	Disposed int      `json:"disposed"` // AIPs checked as disposed
	Kept     int      `json:"kept"`     // AIPs checked as still there
	Problems []string `json:"problems"`
}

// Verify checks the primary and the replica against an executed list:
// nothing the list disposed of remains in any version (only gallring's
// own tombstones), a partially disposed AIP's current manifest no longer
// lists what went, and nothing else is gone: every AIP the list left
// (skipped, excluded) and every AIP the catalog knows still has its
// manifest.
func (s *Service) Verify(ctx context.Context, t *tenant.Tenant, id string) (*Verified, error) {
	l, err := s.Get(ctx, t, id)
	if err != nil {
		return nil, err
	}
	if l.State != Done {
		return nil, fmt.Errorf("%w: listan är %s; bara en verkställd lista kontrolleras", ErrState, l.State)
	}
	fr, err := s.Frozen(ctx, t, l)
	if err != nil {
		return nil, err
	}
	v := &Verified{List: id, Problems: []string{}}
	bad := func(format string, a ...any) { v.Problems = append(v.Problems, fmt.Sprintf(format, a...)) }
	done := map[string]bool{}
	err = s.eachCopy(t, s.cfg.Place, func(b placement.Bucket) error {
		for _, d := range l.Done {
			done[d.AIP] = true
			ts, err := s.readTombstone(ctx, b, d.AIP, id)
			if err != nil {
				return err
			}
			if ts == nil {
				bad("%s: AIP %s har ingen gravsten för listan", b.Store.Endpoint(), d.AIP)
				continue
			}
			gone := map[string]bool{}
			for _, k := range ts.Keys {
				gone[k] = true
			}
			for ref, err := range b.Store.ListVersions(ctx, b.Name, d.AIP+"/") {
				if err != nil {
					return err
				}
				if aip.IsGallringKey(d.AIP, ref.Key) {
					continue
				}
				if ts.Full || gone[ref.Key] {
					bad("%s: %s version %s finns kvar", b.Store.Endpoint(), ref.Key, ref.VersionID)
				}
			}
			if !ts.Full {
				m, err := aipstore.ReadManifest(ctx, b.Store, b.Name, d.AIP)
				if err != nil {
					bad("%s: AIP %s som gallrades delvis saknar manifest: %v", b.Store.Endpoint(), d.AIP, err)
					continue
				}
				for _, o := range m.Objects {
					if gone[o.Key] {
						bad("%s: manifestet för AIP %s listar fortfarande %s", b.Store.Endpoint(), d.AIP, o.Key)
					}
				}
			}
		}
		// Nothing else is gone: every AIP the list left still has its manifest.
		left := map[string]bool{}
		for _, it := range fr.Items {
			if !done[it.AIP] {
				left[it.AIP] = true
			}
		}
		for aipID := range left {
			if _, err := b.Store.Stat(ctx, b.Name, aip.ManifestKey(aipID)); err != nil {
				bad("%s: AIP %s som listan lämnade saknar manifest: %v", b.Store.Endpoint(), aipID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Everything the catalog still holds is complete in the primary.
	prim, err := s.cfg.Place.Primary(t)
	if err != nil {
		return nil, err
	}
	aips, err := s.cfg.Catalog.AIPs(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	for _, a := range aips {
		if done[a.AIPID] {
			continue
		}
		if _, err := prim.Store.Stat(ctx, prim.Name, aip.ManifestKey(a.AIPID)); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				bad("AIP %s (%s) saknas i primär lagring", a.AIPID, a.PackageID)
				continue
			}
			return nil, err
		}
		v.Kept++
	}
	if l.Protocol == "" {
		bad("listan har inget arkiverat protokoll")
	} else if _, err := prim.Store.Stat(ctx, prim.Name, aip.ManifestKey(l.Protocol)); err != nil {
		bad("protokollets AIP %s saknas: %v", l.Protocol, err)
	}
	v.Disposed = len(l.Done)
	v.OK = len(v.Problems) == 0
	return v, nil
}

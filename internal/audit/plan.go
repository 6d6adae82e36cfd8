package audit

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/storage"
)

// Plan lists what an audit of the tenants checks: every object of every
// complete AIP (selected by the options), and the missing and orphaned
// objects found by comparing the manifests with the bucket listing.
// Objects gallring disposed of are neither checked nor found missing or
// orphaned.
func Plan(ctx context.Context, o Options) (targets []Target, found []Finding, err error) {
	p, err := plan(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	return p.targets, p.found, nil
}

// planned is what Plan found, with the count of disposed objects per tenant.
type planned struct {
	targets  []Target
	found    []Finding
	disposed map[string]int
}

func plan(ctx context.Context, o Options) (*planned, error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	p := &planned{disposed: map[string]int{}}
	var targets []Target
	for _, t := range o.Tenants {
		b, err := o.Place.Primary(t)
		if err != nil {
			return nil, err
		}
		st, bucket := b.Store, b.Name
		listed := map[string]storage.Info{}
		for in, err := range st.List(ctx, bucket, "") {
			if errors.Is(err, storage.ErrNotFound) {
				break // no bucket yet: nothing stored
			}
			if err != nil {
				return nil, err
			}
			listed[in.Key] = in
		}
		// Tombstones first: what they name is disposed of, whatever a
		// manifest still says.
		gone := newDisposals()
		for key, in := range listed {
			id, ok := tombstoneAIP(key)
			if !ok {
				continue
			}
			ts, err := readTombstone(ctx, st, bucket, key)
			if err != nil {
				if o.AIP != "" && id != o.AIP {
					continue
				}
				// Reported, not fatal: the rest of the bucket is still audited,
				// and repair reads the replica's copy before restoring anything.
				p.found = append(p.found, Finding{Tenant: t.ID, Bucket: bucket, Key: key, Outcome: Error, Size: in.Size, Actual: in.ETag,
					Checked: now().UTC(), Detail: "gallring's tombstone could not be read: " + err.Error()})
				continue
			}
			gone.add(ts)
		}
		seen := map[string]bool{}
		for k := range listed {
			seen[k] = true
		}
		recorded := map[string]bool{}
		complete := map[string]bool{}
		for key := range listed {
			id, ok := aip.ManifestAIP(key)
			if !ok {
				continue
			}
			if _, ok := gone.full[id]; ok {
				continue // a full gallring cut short: what is left is being disposed of
			}
			m, err := aipstore.ReadManifest(ctx, st, bucket, id)
			if err != nil {
				return nil, fmt.Errorf("audit %s: %w", t.ID, err)
			}
			gone.addManifest(m)
			complete[id] = true
			recorded[key] = true
			for _, ob := range m.Objects {
				seen[ob.Key] = true
			}
			if o.AIP != "" && id != o.AIP {
				for _, ob := range m.Objects {
					recorded[ob.Key] = true
				}
				continue
			}
			// The manifest has no digest of itself; the store recorded one at upload.
			mi, err := st.Stat(ctx, bucket, key)
			if err != nil {
				return nil, fmt.Errorf("audit %s: %w", t.ID, err)
			}
			objs := append([]aip.Object{{Key: key, Size: mi.Size, SHA256: mi.SHA256}}, m.Objects...)
			for _, ob := range objs {
				recorded[ob.Key] = true
				if _, ok := gone.of(ob.Key); ok {
					continue // a partial gallring's, still in this manifest revision
				}
				if _, ok := listed[ob.Key]; !ok {
					p.found = append(p.found, Finding{Tenant: t.ID, Bucket: bucket, AIPID: id, Key: ob.Key, Outcome: Missing,
						Expected: ob.SHA256, Size: ob.Size, Checked: now().UTC(), Detail: "recorded in the AIP manifest, not in the bucket"})
					continue
				}
				targets = append(targets, Target{Tenant: t, Store: st, Bucket: bucket, AIPID: id, Key: ob.Key, Size: ob.Size, SHA256: ob.SHA256, Lock: m.ObjectLock(ob)})
			}
		}
		p.disposed[t.ID] = gone.count(o.AIP, seen)
		if o.AIP != "" {
			continue // orphans are a bucket-wide question
		}
		for key, in := range listed {
			if recorded[key] || isEventLog(key, complete) || isGallringRecord(key) {
				continue
			}
			if _, ok := gone.of(key); ok {
				continue // its gallring is under way
			}
			id, _, _ := strings.Cut(key, "/")
			if !complete[id] && now().Sub(in.Modified) < o.OrphanGrace {
				continue // perhaps an ingest still storing its AIP
			}
			p.found = append(p.found, Finding{Tenant: t.ID, Bucket: bucket, Key: key, Outcome: Orphan, Actual: in.ETag, Size: in.Size,
				Checked: now().UTC(), Detail: "in the bucket, in no AIP"})
		}
	}
	p.targets = o.selectTargets(targets)
	sort.Slice(p.found, func(i, j int) bool { return p.found[i].Key < p.found[j].Key })
	return p, nil
}

// isEventLog tells whether key is an audit's PREMIS event log of a complete AIP.
func isEventLog(key string, complete map[string]bool) bool {
	id, rest, _ := strings.Cut(key, "/")
	return complete[id] && strings.HasPrefix(rest, "events/") && strings.HasSuffix(rest, ".xml")
}

func (o Options) selectTargets(ts []Target) []Target {
	var out []Target
	now := time.Now()
	if o.Now != nil {
		now = o.Now()
	}
	for _, t := range ts {
		if o.NotCheckedIn > 0 && o.LastVerified != nil {
			if lv := o.LastVerified(t.Tenant.ID, t.Key); !lv.IsZero() && now.Sub(lv) < o.NotCheckedIn {
				continue
			}
		}
		if o.Sample > 0 && o.Sample < 100 && !sampled(t.Key, o.Seed, o.Sample) {
			continue
		}
		out = append(out, t)
	}
	if o.Limit > 0 && len(out) > o.Limit {
		if o.LastVerified != nil {
			sort.SliceStable(out, func(i, j int) bool {
				return o.LastVerified(out[i].Tenant.ID, out[i].Key).Before(o.LastVerified(out[j].Tenant.ID, out[j].Key))
			})
		}
		out = out[:o.Limit]
	}
	return out
}

// sampled picks a stable pct-percent subset of keys for a seed.
func sampled(key string, seed uint64, pct float64) bool {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d\x00%s", seed, key)
	return float64(h.Sum64()%10000) < pct*100
}

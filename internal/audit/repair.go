package audit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/storage"
)

// Repair outcomes; and Disposed, for an object gallring disposed of.
const (
	Repaired     = "repaired"
	Unrepairable = "unrepairable"
)

// Repair restores every mismatched or missing object of an AIP from the
// tenant's replica. The copy goes through storage.Copy with the digest
// recorded at ingest, so a replica copy that is damaged too is refused by
// the store and nothing is overwritten with it; Replace, since the
// primary's metadata records the right digest while its bytes are what is
// in doubt. The restored object is then read back and checked. Orphans are
// not touched.
//
// An object a tombstone of gallring names, in the primary or the replica,
// or the manifest's record of a partial gallring, is never restored: its
// finding comes back Disposed with the list that disposed of it, whatever
// the finding asked for. When an AIP's tombstones cannot be read, none of
// its objects is restored.
func Repair(ctx context.Context, place placement.Placement, lookup Lookup, bad []Finding, now func() time.Time) ([]Finding, error) {
	var out []Finding
	type aipOf struct{ tenant, id string }
	gone := map[aipOf]*disposals{}
	goneErr := map[aipOf]error{}
	for _, f := range bad {
		if (f.Outcome != Mismatch && f.Outcome != Missing) || f.AIPID == "" {
			continue
		}
		res := f
		res.Checked = now().UTC()
		if !strings.HasPrefix(f.Key, f.AIPID+"/") {
			res.Outcome, res.Detail = Unrepairable, fmt.Sprintf("%s is not an object of AIP %s", f.Key, f.AIPID)
			out = append(out, res)
			continue
		}
		t, err := lookup(f.Tenant)
		if err != nil {
			return out, err
		}
		pb, err := place.Primary(t)
		if err != nil {
			return out, err
		}
		rb, ok, rerr := place.Replica(t)
		if rerr == nil && !ok {
			rerr = fmt.Errorf("tenant %s has no replica configured", f.Tenant)
		}
		// Gallring first: a disposed object is refused even where nothing
		// could be restored anyway.
		ak := aipOf{f.Tenant, f.AIPID}
		if gone[ak] == nil && goneErr[ak] == nil {
			d := newDisposals()
			stores := []bucketOf{{pb.Store, pb.Name}}
			if rerr == nil {
				stores = append(stores, bucketOf{rb.Store, rb.Name})
			}
			if err := aipDisposals(ctx, d, f.AIPID, stores...); err != nil {
				goneErr[ak] = err
			} else {
				gone[ak] = d
			}
		}
		if err := goneErr[ak]; err != nil {
			res.Outcome, res.Detail = Unrepairable, err.Error()
			out = append(out, res)
			continue
		}
		if list, ok := gone[ak].of(f.Key); ok {
			res.Outcome, res.Detail = Disposed, refusal(f.Key, list)
			out = append(out, res)
			continue
		}
		if rerr != nil {
			res.Outcome, res.Detail = Unrepairable, rerr.Error()
			out = append(out, res)
			continue
		}
		m, err := aipstore.ReadManifest(ctx, pb.Store, pb.Name, f.AIPID)
		if err != nil {
			m, err = aipstore.ReadManifest(ctx, rb.Store, rb.Name, f.AIPID) // the primary's manifest may be the damaged object
		}
		if err != nil {
			return out, fmt.Errorf("repair %s: %w", f.Key, err)
		}
		gone[ak].addManifest(m)
		if list, ok := gone[ak].of(f.Key); ok {
			res.Outcome, res.Detail = Disposed, refusal(f.Key, list)
			out = append(out, res)
			continue
		}
		if _, err := storage.ParseSHA256(f.Expected); err != nil {
			res.Outcome, res.Detail = Unrepairable, "no recorded SHA-256 to restore against"
			out = append(out, res)
			continue
		}
		info, err := rb.Store.Stat(ctx, rb.Name, f.Key)
		if err != nil {
			res.Outcome, res.Detail = Unrepairable, "replica: "+err.Error()
			out = append(out, res)
			continue
		}
		// The object goes back under the lock it was stored with, and is read
		// back against the size the AIP recorded.
		lock, size := m.Retention, info.Size
		for _, o := range m.Objects {
			if o.Key == f.Key {
				lock, size = m.ObjectLock(o), o.Size
			}
		}
		obj := storage.Object{Key: f.Key, Size: info.Size, SHA256: f.Expected, ContentType: "application/octet-stream"}
		if _, err := storage.Copy(ctx, rb.Store, rb.Name, pb.Store, pb.Name, obj, storage.CopyOptions{Lock: lock, Replace: true}); err != nil {
			res.Outcome, res.Detail = Unrepairable, "the replica's copy does not match the recorded digest either, or could not be stored: "+err.Error()
			out = append(out, res)
			continue
		}
		check := checkOne(ctx, Target{Store: pb.Store, Bucket: pb.Name, AIPID: f.AIPID, Key: f.Key, Size: size, SHA256: f.Expected}, nil, pb.Name, f.Tenant)
		if check.Outcome != OK {
			res.Outcome, res.Detail = Unrepairable, "restored but did not verify: "+check.Detail
		} else {
			res.Outcome, res.Actual, res.Detail = Repaired, check.Actual, "restored from the replica and verified"
		}
		out = append(out, res)
	}
	return out, nil
}

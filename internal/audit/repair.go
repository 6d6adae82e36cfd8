package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/storage"
)

// Repair outcomes.
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
func Repair(ctx context.Context, place placement.Placement, lookup Lookup, bad []Finding, now func() time.Time) ([]Finding, error) {
	var out []Finding
	for _, f := range bad {
		if (f.Outcome != Mismatch && f.Outcome != Missing) || f.AIPID == "" {
			continue
		}
		res := f
		res.Checked = now().UTC()
		t, err := lookup(f.Tenant)
		if err != nil {
			return out, err
		}
		pb, err := place.Primary(t)
		if err != nil {
			return out, err
		}
		rb, ok, err := place.Replica(t)
		if err == nil && !ok {
			err = fmt.Errorf("tenant %s has no replica configured", f.Tenant)
		}
		if err != nil {
			res.Outcome, res.Detail = Unrepairable, err.Error()
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
		obj := storage.Object{Key: f.Key, Size: info.Size, SHA256: f.Expected, ContentType: "application/octet-stream"}
		if _, err := storage.Copy(ctx, rb.Store, rb.Name, pb.Store, pb.Name, obj, storage.CopyOptions{Lock: m.Retention, Replace: true}); err != nil {
			res.Outcome, res.Detail = Unrepairable, "the replica's copy does not match the recorded digest either, or could not be stored: "+err.Error()
			out = append(out, res)
			continue
		}
		// Read back what is now stored, against the size the AIP recorded.
		size := info.Size
		for _, o := range m.Objects {
			if o.Key == f.Key {
				size = o.Size
			}
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

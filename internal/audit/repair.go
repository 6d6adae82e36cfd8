package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/storage"
)

// Repair outcomes.
const (
	Repaired     = "repaired"
	Unrepairable = "unrepairable"
)

// Repair restores every mismatched or missing object of an AIP from the
// tenant's replica. The replica's bytes go to the primary store with the
// digest recorded at ingest as the S3 checksum, so a replica copy that is
// damaged too is refused by the store and nothing is overwritten with it.
// The restored object is then read back and checked. Orphans are not touched.
func Repair(ctx context.Context, primary, replica Locator, bad []Finding, now func() time.Time) ([]Finding, error) {
	var out []Finding
	for _, f := range bad {
		if (f.Outcome != Mismatch && f.Outcome != Missing) || f.AIPID == "" {
			continue
		}
		res := f
		res.Checked = now().UTC()
		pst, pbucket, err := primary(f.Tenant)
		if err != nil {
			return out, err
		}
		rst, rbucket, err := replica(f.Tenant)
		if err != nil {
			res.Outcome, res.Detail = Unrepairable, err.Error()
			out = append(out, res)
			continue
		}
		m, err := aip.ReadManifest(ctx, pst, pbucket, f.AIPID)
		if err != nil {
			m, err = aip.ReadManifest(ctx, rst, rbucket, f.AIPID) // the primary's manifest may be the damaged object
		}
		if err != nil {
			return out, fmt.Errorf("repair %s: %w", f.Key, err)
		}
		sum, err := storage.ParseSHA256(f.Expected)
		if err != nil {
			res.Outcome, res.Detail = Unrepairable, "no recorded SHA-256 to restore against"
			out = append(out, res)
			continue
		}
		rc, info, err := rst.Get(ctx, rbucket, f.Key)
		if err != nil {
			res.Outcome, res.Detail = Unrepairable, "replica: "+err.Error()
			out = append(out, res)
			continue
		}
		_, err = pst.Put(ctx, pbucket, f.Key, rc, storage.PutOptions{Size: info.Size, SHA256: sum, ContentType: "application/octet-stream", Lock: m.Retention.Lock()})
		rc.Close()
		if err != nil {
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
		check := checkOne(ctx, Target{Store: pst, AIPID: f.AIPID, Key: f.Key, Size: size, SHA256: f.Expected}, nil, pbucket, f.Tenant)
		if check.Outcome != OK {
			res.Outcome, res.Detail = Unrepairable, "restored but did not verify: "+check.Detail
		} else {
			res.Outcome, res.Actual, res.Detail = Repaired, check.Actual, "restored from the replica and verified"
		}
		out = append(out, res)
	}
	return out, nil
}

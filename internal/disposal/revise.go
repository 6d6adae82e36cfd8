package disposal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ihp"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/records"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
)

// revise writes a partially disposed AIP's new manifest revision, and a
// new AIP METS without the removed files, in the primary and the replica:
// the AIP stays complete, valid and audit-clean, and its manifest names
// what was removed. A revision already naming the list is kept.
func (s *Service) revise(ctx context.Context, t *tenant.Tenant, m *aip.Manifest, ts *aip.Tombstone) (*aip.Manifest, error) {
	if slices.ContainsFunc(m.Disposals, func(d aip.DisposalNote) bool { return d.List == ts.List }) {
		return m, nil
	}
	gone := map[string]bool{}
	for _, k := range ts.Keys {
		gone[k] = true
	}
	rec := map[string]bool{}
	for _, r := range ts.Records {
		rec[r.Case+"\x00"+r.Document] = true
	}
	nm := *m
	nm.Objects = nil
	for _, o := range m.Objects {
		if !gone[o.Key] {
			nm.Objects = append(nm.Objects, o)
		}
	}
	nm.Cases = nil
	for _, cs := range m.Cases {
		if rec[cs.ID+"\x00"] {
			continue
		}
		c := cs
		c.Documents = slices.DeleteFunc(slices.Clone(cs.Documents), func(d records.Document) bool { return rec[cs.ID+"\x00"+d.ID] })
		nm.Cases = append(nm.Cases, c)
	}
	nm.Outcomes = nil
	for _, co := range m.Outcomes {
		if rec[co.Case+"\x00"] {
			continue
		}
		c := co
		c.Documents = slices.DeleteFunc(slices.Clone(co.Documents), func(d ihp.DocumentOutcome) bool { return rec[co.Case+"\x00"+d.Document] })
		nm.Outcomes = append(nm.Outcomes, c)
	}
	nm.Revision = max(m.Revision, 1) + 1
	nm.Disposals = append(slices.Clone(m.Disposals), aip.DisposalNote{List: ts.List, Records: ts.Records, Keys: ts.Keys, At: ts.Disposed, Event: ts.Event})
	nm.Files, nm.Bytes = 0, 0
	for _, o := range nm.Objects {
		if o.Role == aip.RoleSubmission {
			nm.Files++
			nm.Bytes += o.Size
		}
	}
	// Objects keep the locks they were stored with; the new METS and
	// manifest versions take the AIP's (nm.Retention, unchanged).
	prim, err := s.cfg.Place.Primary(t)
	if err != nil {
		return nil, err
	}
	// The deletion event's log is the AIP's now.
	logKey := aip.DeletionLogKey(ts.AIPID, ts.List)
	li, err := prim.Store.Stat(ctx, prim.Name, logKey)
	if err != nil {
		return nil, fmt.Errorf("deletion log: %w", err)
	}
	keep := earkiv.Lock{Mode: t.RetentionMode(), RetainUntil: earkiv.KeepUntil}
	nm.Objects = append(nm.Objects, aip.Object{Key: logKey, Path: logKey[len(ts.AIPID)+1:], Role: aip.RoleEvents, Size: li.Size, SHA256: li.SHA256,
		MIME: "application/xml", VersionID: li.VersionID, Lock: &keep})
	mets, err := aip.METS(&nm, t.Name, t.OrgNumber, s.cfg.Version)
	if err != nil {
		return nil, err
	}
	mi := slices.IndexFunc(nm.Objects, func(o aip.Object) bool { return o.Role == aip.RoleMETS })
	in, err := s.putBoth(ctx, t, aip.METSKey(ts.AIPID), mets, "application/xml", nm.Retention)
	if err != nil {
		return nil, err
	}
	if mi >= 0 {
		sum := sha256.Sum256(mets)
		nm.Objects[mi].Size, nm.Objects[mi].SHA256, nm.Objects[mi].VersionID = int64(len(mets)), hex.EncodeToString(sum[:]), in.VersionID
	}
	mb, err := nm.Encode()
	if err != nil {
		return nil, err
	}
	if _, err := s.putBoth(ctx, t, aip.ManifestKey(ts.AIPID), mb, "application/json", nm.Retention); err != nil {
		return nil, err
	}
	return &nm, nil
}

// putBoth stores a new version of key in the primary and the replica,
// returning the primary's.
func (s *Service) putBoth(ctx context.Context, t *tenant.Tenant, key string, body []byte, ctype string, lock earkiv.Lock) (storage.Info, error) {
	var first storage.Info
	set := false
	sum := sha256.Sum256(body)
	err := s.eachCopy(t, s.cfg.Place, func(b placement.Bucket) error {
		return retry(ctx, func() error {
			in, err := b.Store.Put(ctx, b.Name, key, bytes.NewReader(body), storage.PutOptions{Size: int64(len(body)), SHA256: sum[:], ContentType: ctype, Lock: lock})
			if err == nil && !set {
				first, set = in, true
			}
			return err
		})
	})
	return first, err
}

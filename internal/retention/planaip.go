package retention

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/plans"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
)

// FamilyPlan is the family of an AIP that keeps a fastställd plan.
const FamilyPlan = "earkiv-plan"

// PlanPackageID is the package id of the AIP keeping version id.
func PlanPackageID(tenantID, id string) string { return "ihp-" + tenantID + "-" + id }

// archivePlan keeps a fastställd version as an AIP in the tenant's bucket
// and replica, locked as bevaras: the plan is an allmän handling of its
// own. It is idempotent: a stored manifest is found and announced again.
func (s *Service) archivePlan(ctx context.Context, t *tenant.Tenant, v *plans.Version) (*plans.Version, error) {
	prim, err := s.cfg.Place.Primary(t)
	if err != nil {
		return v, err
	}
	pkgID := PlanPackageID(t.ID, v.ID)
	aipID := aip.ID(t.ID, pkgID)
	m, err := aipstore.ReadManifest(ctx, prim.Store, prim.Name, aipID)
	if errors.Is(err, storage.ErrNotFound) {
		m, err = s.storePlan(ctx, t, prim.Store, prim.Name, v, pkgID, aipID)
	}
	if err != nil {
		return v, fmt.Errorf("archive plan %s: %w", v.ID, err)
	}
	if rep, ok, err := s.cfg.Place.Replica(t); err != nil {
		return v, err
	} else if ok {
		if err := retry(ctx, func() error { return rep.Store.EnsureBucket(ctx, rep.Name) }); err != nil {
			return v, err
		}
		mi, err := prim.Store.Stat(ctx, prim.Name, aip.ManifestKey(aipID))
		if err != nil {
			return v, err
		}
		objs := append(append([]aip.Object(nil), m.Objects...), aip.Object{Key: mi.Key, Size: mi.Size, SHA256: mi.SHA256, MIME: "application/json"})
		for _, o := range objs {
			if _, err := storage.Copy(ctx, prim.Store, prim.Name, rep.Store, rep.Name,
				storage.Object{Key: o.Key, Size: o.Size, SHA256: o.SHA256, ContentType: o.MIME}, storage.CopyOptions{Lock: m.Retention}); err != nil {
				return v, fmt.Errorf("archive plan %s: replica: %w", v.ID, err)
			}
		}
	}
	mb, err := json.Marshal(m)
	if err != nil {
		return v, err
	}
	if err := s.cfg.Events.Publish(ctx, earkiv.Event{Tenant: t.ID, Type: earkiv.AIPStored, PackageID: pkgID, AIPID: aipID, Outcome: earkiv.Success,
		Detail: fmt.Sprintf("informationshanteringsplan %s arkiverad", v.ID), Data: mb}); err != nil {
		return v, err
	}
	return s.cfg.Plans.SetArchived(ctx, t.ID, v.ID, aipID)
}

func (s *Service) storePlan(ctx context.Context, t *tenant.Tenant, st *storage.Store, bucket string, v *plans.Version, pkgID, aipID string) (*aip.Manifest, error) {
	if err := retry(ctx, func() error { return st.EnsureBucket(ctx, bucket) }); err != nil {
		return nil, err
	}
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now().UTC()
	keep := earkiv.Lock{Mode: t.RetentionMode(), RetainUntil: earkiv.KeepUntil}
	sum := sha256.Sum256(body)
	o := aip.Object{Key: aipID + "/plan/plan.json", Path: "plan/plan.json", Role: "plan", Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:]), MIME: "application/json"}
	var in storage.Info
	if err := retry(ctx, func() error {
		var err error
		in, err = st.Put(ctx, bucket, o.Key, bytes.NewReader(body), storage.PutOptions{Size: o.Size, SHA256: sum[:], ContentType: o.MIME, Lock: keep})
		return err
	}); err != nil {
		return nil, err
	}
	o.VersionID = in.VersionID
	m := &aip.Manifest{Format: aip.ManifestFormat, Tenant: t.ID, Bucket: bucket, AIPID: aipID, PackageID: pkgID, SubmissionID: pkgID,
		Family: FamilyPlan, Label: fmt.Sprintf("Informationshanteringsplan %s för %s, gäller från %s", v.ID, t.Name, v.ValidFrom),
		Archivist: aip.Party{Name: t.Name, OrgID: t.OrgNumber}, Creator: aip.Party{Name: t.Name, OrgID: t.OrgNumber},
		Submitted: v.Activated, Created: now, Digest: aip.PackageDigest([]earkiv.FileSum{{Path: o.Path, Size: o.Size, SHA256: o.SHA256}}),
		Files: 1, Bytes: o.Size, Validation: aip.Validation{Valid: true}, Retention: keep, Objects: []aip.Object{o},
		Plan: v.ID, Software: "earkiv " + s.cfg.Version}
	mb, err := m.Encode()
	if err != nil {
		return nil, err
	}
	ms := sha256.Sum256(mb)
	if err := retry(ctx, func() error {
		_, err := st.Put(ctx, bucket, aip.ManifestKey(aipID), bytes.NewReader(mb), storage.PutOptions{Size: int64(len(mb)), SHA256: ms[:], ContentType: "application/json", Lock: keep})
		return err
	}); err != nil {
		return nil, err
	}
	return m, nil
}

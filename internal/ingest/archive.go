package ingest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/fgs"
	"github.com/earkiv/earkiv/internal/fixity"
	"github.com/earkiv/earkiv/internal/records"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/validate"
)

// archive stores the AIP (or finds it already stored) and receipts it.
func (j *job) archive(ctx context.Context, res *validate.Result) (*earkiv.Receipt, error) {
	w := j.w
	p := res.Package
	aipID := aip.ID(j.t.ID, p.ObjID)
	j.rec.AIPID = aipID
	var files []earkiv.FileSum
	for _, name := range slices.Sorted(maps.Keys(res.Digests)) {
		d := res.Digests[name]
		files = append(files, earkiv.FileSum{Path: name, Size: d.Size, SHA256: d.Digests[fixity.SHA256]})
	}
	digest := aip.PackageDigest(files)
	j.rec.Checksums = files
	if err := j.ensureBucket(ctx, true); err != nil {
		return nil, stage("store", err)
	}

	// Is this package archived already?
	existing, err := j.readManifest(ctx, aipID)
	if err != nil {
		return nil, stage("store", err)
	}
	if existing != nil {
		switch {
		case existing.SubmissionID == j.req.SubmissionID:
			// This very submission finished storing before a crash: announce and receipt it.
			j.keep(existing)
			if err := j.replicate(ctx, existing); err != nil {
				return nil, err
			}
			j.announce(existing)
			return j.finish(ctx, earkiv.Accepted, "")
		case existing.Digest == digest:
			return j.finish(ctx, earkiv.Duplicate, fmt.Sprintf("package %q is already archived as AIP %s (submission %s, %s) with identical content; nothing new was stored",
				p.ObjID, aipID, existing.SubmissionID, existing.Created.Format(time.RFC3339)))
		default:
			diff := aip.DiffFiles(existing.Submission(), files, 10)
			return j.finish(ctx, earkiv.Rejected, fmt.Sprintf("conflict: package id %q is already archived as AIP %s (submission %s) with different content: %s. A changed delivery needs a new package id",
				p.ObjID, aipID, existing.SubmissionID, strings.Join(diff, "; ")))
		}
	}

	now := w.cfg.Now().UTC()
	lock, err := j.t.Lock(now)
	if err != nil {
		return nil, stage("retention", err)
	}
	pkg := j.pkg
	mimes := mimeTypes(p.Files)
	m := &aip.Manifest{
		Format: aip.ManifestFormat, Tenant: j.t.ID, Bucket: j.bucket, AIPID: aipID, PackageID: p.ObjID, SubmissionID: j.req.SubmissionID,
		Family: string(p.Family), Profile: p.Profile, Label: p.Label, ContentType: p.ContentType,
		SubmissionAgreement: p.SubmissionAgreement(), Submitted: j.req.Submitted, Created: now, Digest: digest,
		Files: len(files), Bytes: j.rec.Bytes, Retention: lock, Software: "earkiv " + w.cfg.Version,
		Validation: aip.Validation{Valid: true, Errors: res.Report.Errors, Warnings: res.Report.Warnings},
	}
	m.Archivist, m.Creator, m.Submitter = party(p.Archivist()), party(p.Creator()), party(p.Submitter())
	for _, f := range files {
		m.Objects = append(m.Objects, aip.Object{Key: aip.SubmissionKey(aipID, f.Path), Path: "submission/" + f.Path,
			Role: aip.RoleSubmission, Size: f.Size, SHA256: f.SHA256, MIME: contentType(mimes, f.Path)})
	}
	m.Cases = records.Describe(pkg, res.Metadata)
	lockOf := func(string) earkiv.Lock { return lock }
	if w.cfg.Appraiser != nil {
		locks, err := w.cfg.Appraiser.Appraise(ctx, j.t, m)
		if err != nil {
			return nil, stage("retention", err)
		}
		lock = m.Retention
		lockOf = func(key string) earkiv.Lock {
			if l, ok := locks[key]; ok {
				return l
			}
			return lock
		}
	}
	if err := j.timed("store", func() error {
		var stored map[string]bool
		if j.eager != nil {
			var err error
			if stored, err = j.eager.adopt(ctx, m.Objects, lockOf); err != nil {
				return stage("store", err)
			}
		}
		return j.storeSubmission(ctx, pkg, m, lockOf, stored)
	}); err != nil {
		return nil, err
	}
	storedAt := w.cfg.Now().UTC()

	// PREMIS, then the AIP METS that lists it, then the manifest.
	in := aip.Ingest{Name: j.req.Name, Format: j.req.Format, TenantName: j.t.Name, OrgNumber: j.t.OrgNumber,
		Version: w.cfg.Version, Warnings: res.Report.Warnings, Lock: tenant.LockText(lock), Started: j.rec.Started, Stored: storedAt}
	if s := p.Software(); s != nil {
		in.ProducerSoftware = &s.Name
	}
	events, agents := aip.IngestEvents(m, in)
	premis, err := aip.PREMIS(m, events, agents)
	if err != nil {
		return nil, stage("aip", err)
	}
	if err := j.putDoc(ctx, m, aip.PREMISKey(aipID), aip.RolePREMIS, premis, lock); err != nil {
		return nil, err
	}
	mets, err := aip.METS(m, j.t.Name, j.t.OrgNumber, w.cfg.Version)
	if err != nil {
		return nil, stage("aip", err)
	}
	if err := j.putDoc(ctx, m, aip.METSKey(aipID), aip.RoleMETS, mets, lock); err != nil {
		return nil, err
	}
	mb, err := m.Encode()
	if err != nil {
		return nil, stage("aip", err)
	}
	if _, err := j.putBytes(ctx, aip.ManifestKey(aipID), mb, "application/json", lock); err != nil {
		return nil, err
	}
	j.keep(m)
	w.cfg.Hook("aip-complete", aipID)
	if err := j.replicate(ctx, m); err != nil {
		return nil, err
	}
	w.cfg.Metrics.Bytes.WithLabelValues(j.t.ID).Add(float64(j.rec.Bytes))
	w.cfg.Metrics.Files.WithLabelValues(j.t.ID).Add(float64(len(files)))
	j.announce(m)
	return j.finish(ctx, earkiv.Accepted, "")
}

// readManifest returns the AIP's manifest, nil if the AIP does not exist.
func (j *job) readManifest(ctx context.Context, aipID string) (*aip.Manifest, error) {
	var m *aip.Manifest
	err := j.retry(ctx, "manifest", func() error {
		var err error
		m, err = aipstore.ReadManifest(ctx, j.store, j.bucket, aipID)
		if errors.Is(err, storage.ErrNotFound) {
			m, err = nil, nil
		}
		return err
	})
	return m, err
}

// keep records the versions m lists, which sweep leaves alone.
func (j *job) keep(m *aip.Manifest) {
	j.kept = map[string]bool{}
	for _, o := range m.Objects {
		j.kept[o.VersionID] = true
	}
}

func party(a *fgs.Agent) aip.Party {
	if a == nil {
		return aip.Party{}
	}
	return aip.Party{Name: a.Name, OrgID: a.OrgID}
}

package ingest

import (
	"context"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/storage"
)

// replicate copies a complete AIP to the tenant's replica, manifest last, so
// the replica too holds only complete AIPs. Objects already there with the
// right checksum are skipped (storage.Copy), which makes it safe to repeat
// after a crash.
func (j *job) replicate(ctx context.Context, m *aip.Manifest) error {
	r, ok, err := j.w.cfg.Place.Replica(j.t)
	if err != nil || !ok {
		return stage("replica", err)
	}
	if err := j.retry(ctx, "replica bucket", func() error { return r.Store.EnsureBucket(ctx, r.Name) }); err != nil {
		return stage("replica", err)
	}
	mi, err := j.store.Stat(ctx, j.bucket, aip.ManifestKey(m.AIPID))
	if err != nil {
		return stage("replica", err)
	}
	objs := append(append([]aip.Object(nil), m.Objects...), aip.Object{Key: mi.Key, Size: mi.Size, SHA256: mi.SHA256, MIME: "application/json"})
	for _, o := range objs {
		lock := m.ObjectLock(o)
		err := j.retry(ctx, "replicate "+o.Key, func() error {
			_, err := storage.Copy(ctx, j.store, j.bucket, r.Store, r.Name,
				storage.Object{Key: o.Key, Size: o.Size, SHA256: o.SHA256, ContentType: o.MIME}, storage.CopyOptions{Lock: lock})
			return err
		})
		if err != nil {
			return stage("replica", err)
		}
	}
	return nil
}

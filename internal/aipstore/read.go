// Package aipstore reads archived AIPs back from their bucket: one
// manifest, or every complete AIP's. It joins the AIP's own format (aip)
// to the S3 store (storage), so that neither needs the other.
package aipstore

import (
	"context"
	"fmt"
	"iter"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/storage"
)

// ReadManifest reads one AIP's manifest from its bucket.
func ReadManifest(ctx context.Context, st *storage.Store, bucket, aipID string) (*aip.Manifest, error) {
	rc, _, err := st.Get(ctx, bucket, aip.ManifestKey(aipID))
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	m, err := aip.DecodeManifest(rc)
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", bucket, aip.ManifestKey(aipID), err)
	}
	return m, nil
}

// Manifests yields the manifest of every complete AIP in a bucket. AIPs
// without a manifest (an ingest that never finished) are not AIPs and are
// skipped.
func Manifests(ctx context.Context, st *storage.Store, bucket string) iter.Seq2[*aip.Manifest, error] {
	return func(yield func(*aip.Manifest, error) bool) {
		for o, err := range st.List(ctx, bucket, "") {
			if err != nil {
				yield(nil, err)
				return
			}
			id, ok := aip.ManifestAIP(o.Key)
			if !ok {
				continue
			}
			m, err := ReadManifest(ctx, st, bucket, id)
			if err == nil && m.Bucket != "" && m.Bucket != bucket {
				err = fmt.Errorf("%s/%s names bucket %s", bucket, o.Key, m.Bucket)
			}
			if !yield(m, err) || err != nil {
				return
			}
		}
	}
}

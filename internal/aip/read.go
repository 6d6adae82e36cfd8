package aip

import (
	"context"
	"fmt"
	"iter"

	"github.com/earkiv/earkiv/internal/storage"
)

// ReadManifest reads one AIP's manifest from its bucket.
func ReadManifest(ctx context.Context, st *storage.Store, bucket, aipID string) (*Manifest, error) {
	rc, _, err := st.Get(ctx, bucket, ManifestKey(aipID))
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	m, err := DecodeManifest(rc)
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", bucket, ManifestKey(aipID), err)
	}
	return m, nil
}

// Manifests yields the manifest of every complete AIP in a bucket. AIPs
// without a manifest (an ingest that never finished) are not AIPs and are
// skipped.
func Manifests(ctx context.Context, st *storage.Store, bucket string) iter.Seq2[*Manifest, error] {
	return func(yield func(*Manifest, error) bool) {
		for o, err := range st.List(ctx, bucket, "") {
			if err != nil {
				yield(nil, err)
				return
			}
			id, ok := ManifestAIP(o.Key)
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

package storage

import (
	"context"
	"fmt"
	"iter"
	"strings"

	"github.com/minio/minio-go/v7"
)

// RemoveVersion permanently deletes one version of an object; Object Lock
// makes the store refuse it while the version is retained or held.
func (s *Store) RemoveVersion(ctx context.Context, bucket, key, versionID string) error {
	if err := s.c.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{VersionID: versionID}); err != nil {
		return fmt.Errorf("remove %s/%s version %s: %w", bucket, key, versionID, err)
	}
	return nil
}

// RemoveGoverned permanently deletes one version under a GOVERNANCE lock,
// bypassing it. Only the gallring executor's credential is allowed that
// (s3:BypassGovernanceRetention); the store refuses everyone else, refuses
// a COMPLIANCE lock before its date, and refuses a legal hold always.
func (s *Store) RemoveGoverned(ctx context.Context, bucket, key, versionID string) error {
	if err := s.c.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{VersionID: versionID, GovernanceBypass: true}); err != nil {
		return fmt.Errorf("remove %s/%s version %s (governance bypass): %w", bucket, key, versionID, err)
	}
	return nil
}

// Version is one stored version of an object, with its user metadata. Its
// Lock is what the store reports, and versitygw 1.8 reports none for a
// version that is no longer the current one; the store still enforces it.
type Version struct {
	Info
	Meta map[string]string // user metadata, keys in canonical header form without x-amz-meta-
}

// Versions yields every version of every object under prefix, with its
// metadata read from the version's own HEAD (listings do not carry it), for
// clean-up after an interrupted ingest.
func (s *Store) Versions(ctx context.Context, bucket, prefix string) iter.Seq2[Version, error] {
	return func(yield func(Version, error) bool) {
		var lastKey, lastVersion string
		for oi := range s.c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true, WithVersions: true}) {
			if oi.Err != nil {
				yield(Version{}, fmt.Errorf("list versions %s/%s on %s: %w", bucket, prefix, s.endpoint, oi.Err))
				return
			}
			// versitygw (1.8) starts a page of versions with the last
			// version of the page before: yield each once.
			if oi.Key == lastKey && oi.VersionID == lastVersion {
				continue
			}
			lastKey, lastVersion = oi.Key, oi.VersionID
			if oi.IsDeleteMarker {
				continue
			}
			st, err := s.c.StatObject(ctx, bucket, oi.Key, minio.StatObjectOptions{VersionID: oi.VersionID})
			if err != nil {
				if isNotFound(err) {
					continue // removed since the listing
				}
				if !yield(Version{}, fmt.Errorf("stat %s/%s version %s on %s: %w", bucket, oi.Key, oi.VersionID, s.endpoint, err)) {
					return
				}
				continue
			}
			v := Version{Info: infoOf(st), Meta: map[string]string{}}
			v.VersionID = oi.VersionID
			for k, vals := range st.Metadata {
				if name, ok := strings.CutPrefix(k, "X-Amz-Meta-"); ok && len(vals) > 0 {
					v.Meta[name] = vals[0]
				}
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}

// VersionRef names one stored version, as a listing gives it.
type VersionRef struct {
	Key, VersionID string
	Size           int64
	DeleteMarker   bool
}

// ListVersions yields every version (and delete marker) under prefix
// from the listing alone, without reading each one's headers: what
// gallring deletes and verification counts.
func (s *Store) ListVersions(ctx context.Context, bucket, prefix string) iter.Seq2[VersionRef, error] {
	return func(yield func(VersionRef, error) bool) {
		var lastKey, lastVersion string
		for oi := range s.c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true, WithVersions: true}) {
			if oi.Err != nil {
				if isNotFound(oi.Err) {
					return
				}
				yield(VersionRef{}, fmt.Errorf("list versions %s/%s on %s: %w", bucket, prefix, s.endpoint, oi.Err))
				return
			}
			if oi.Key == lastKey && oi.VersionID == lastVersion {
				continue // versitygw repeats the last version of the page before
			}
			lastKey, lastVersion = oi.Key, oi.VersionID
			if !yield(VersionRef{Key: oi.Key, VersionID: oi.VersionID, Size: oi.Size, DeleteMarker: oi.IsDeleteMarker}, nil) {
				return
			}
		}
	}
}

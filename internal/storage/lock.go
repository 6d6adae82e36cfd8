package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/earkiv/earkiv/internal/earkiv"
)

// Retention reads an object's Object Lock state from its HEAD headers
// (x-amz-object-lock-*). The GetObjectRetention API would do too, but
// versitygw 1.8 answers it with <ObjectLockRetention> instead of AWS's
// <Retention>, which S3 clients cannot parse; the headers agree everywhere.
func (s *Store) Retention(ctx context.Context, bucket, key string) (earkiv.Lock, error) {
	in, err := s.Stat(ctx, bucket, key)
	if err != nil {
		return earkiv.Lock{}, err
	}
	return in.Lock, nil
}

// SetLock puts Object Lock on one stored version: a retention date, a legal
// hold, or both. Ingest uploads a big package's files while it validates
// them and locks them only once the package is accepted, so that a rejected
// package's files can still be removed. A store refuses to shorten a
// retention date it already holds.
func (s *Store) SetLock(ctx context.Context, bucket, key, versionID string, l earkiv.Lock) error {
	if !l.RetainUntil.IsZero() {
		mode := minio.RetentionMode(l.Mode)
		until := l.RetainUntil.UTC()
		if err := s.c.PutObjectRetention(ctx, bucket, key, minio.PutObjectRetentionOptions{Mode: &mode, RetainUntilDate: &until, VersionID: versionID}); err != nil {
			return fmt.Errorf("lock %s/%s version %s on %s until %s: %w", bucket, key, versionID, s.endpoint, until.Format(time.RFC3339), err)
		}
	}
	if l.LegalHold {
		on := minio.LegalHoldEnabled
		if err := s.c.PutObjectLegalHold(ctx, bucket, key, minio.PutObjectLegalHoldOptions{VersionID: versionID, Status: &on}); err != nil {
			return fmt.Errorf("legal hold on %s/%s version %s on %s: %w", bucket, key, versionID, s.endpoint, err)
		}
	}
	return nil
}

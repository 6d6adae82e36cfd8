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

// VersionLock reads one version's Object Lock state.
func (s *Store) VersionLock(ctx context.Context, bucket, key, versionID string) (earkiv.Lock, error) {
	oi, err := s.c.StatObject(ctx, bucket, key, minio.StatObjectOptions{VersionID: versionID})
	if err != nil {
		if isNotFound(err) {
			return earkiv.Lock{}, fmt.Errorf("%s/%s version %s on %s: %w", bucket, key, versionID, s.endpoint, ErrNotFound)
		}
		return earkiv.Lock{}, fmt.Errorf("stat %s/%s version %s on %s: %w", bucket, key, versionID, s.endpoint, err)
	}
	return infoOf(oi).Lock, nil
}

// SetLock puts Object Lock on one stored version: a retention date, a legal
// hold, or both. Ingest uploads a big package's files while it validates
// them and locks them only once the package is accepted, so that a rejected
// package's files can still be removed. A store refuses to shorten a
// retention date it already holds.
func (s *Store) SetLock(ctx context.Context, bucket, key, versionID string, l earkiv.Lock) error {
	if !l.RetainUntil.IsZero() {
		if err := s.setRetention(ctx, bucket, key, versionID, l.Mode, l.RetainUntil, false); err != nil {
			return err
		}
	}
	if l.LegalHold {
		return s.SetLegalHold(ctx, bucket, key, versionID, true)
	}
	return nil
}

// ShortenRetention moves a GOVERNANCE retention date earlier, which only a
// credential allowed s3:BypassGovernanceRetention may do: the gallring
// executor's, never ingest's. COMPLIANCE dates cannot be shortened by anyone.
func (s *Store) ShortenRetention(ctx context.Context, bucket, key, versionID string, until time.Time) error {
	return s.setRetention(ctx, bucket, key, versionID, "GOVERNANCE", until, true)
}

func (s *Store) setRetention(ctx context.Context, bucket, key, versionID, mode string, until time.Time, bypass bool) error {
	m := minio.RetentionMode(mode)
	until = until.UTC()
	o := minio.PutObjectRetentionOptions{Mode: &m, RetainUntilDate: &until, VersionID: versionID, GovernanceBypass: bypass}
	if err := s.c.PutObjectRetention(ctx, bucket, key, o); err != nil {
		return fmt.Errorf("lock %s/%s version %s on %s %s until %s: %w", bucket, key, versionID, s.endpoint, mode, until.Format(time.RFC3339), err)
	}
	return nil
}

// SetLegalHold turns a version's legal hold on or off. Legal holds are
// gallringsstopp: a kept (bevaras) record is locked by a retention date
// instead, so lifting a hold never makes it deletable.
func (s *Store) SetLegalHold(ctx context.Context, bucket, key, versionID string, on bool) error {
	st := minio.LegalHoldDisabled
	if on {
		st = minio.LegalHoldEnabled
	}
	if err := s.c.PutObjectLegalHold(ctx, bucket, key, minio.PutObjectLegalHoldOptions{VersionID: versionID, Status: &st}); err != nil {
		return fmt.Errorf("legal hold %s on %s/%s version %s on %s: %w", st, bucket, key, versionID, s.endpoint, err)
	}
	return nil
}

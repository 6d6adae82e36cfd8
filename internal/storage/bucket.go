package storage

import (
	"context"
	"fmt"

	"github.com/minio/minio-go/v7"
)

// EnsureBucket creates bucket with Object Lock enabled, or checks that an
// existing bucket has it: without Object Lock a municipality's records could
// be deleted or overwritten before their time.
func (s *Store) EnsureBucket(ctx context.Context, bucket string) error {
	ok, err := s.c.BucketExists(ctx, bucket)
	if err != nil {
		return fmt.Errorf("bucket %s on %s: %w", bucket, s.endpoint, err)
	}
	if !ok {
		err := s.c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{ObjectLocking: true})
		if err != nil && !isCode(err, "BucketAlreadyOwnedByYou") {
			return fmt.Errorf("create bucket %s on %s: %w", bucket, s.endpoint, err)
		}
	}
	status, _, _, _, err := s.c.GetObjectLockConfig(ctx, bucket)
	if isCode(err, "ObjectLockConfigurationNotFoundError") || isCode(err, "NoSuchObjectLockConfiguration") {
		status, err = "", nil
	}
	if err != nil {
		return fmt.Errorf("bucket %s on %s: object lock: %w", bucket, s.endpoint, err)
	}
	if status != "Enabled" {
		return fmt.Errorf("bucket %s on %s exists without Object Lock; earkiv will not store records there", bucket, s.endpoint)
	}
	return nil
}

// MakePlainBucket creates a bucket without Object Lock. Only tests use it, to
// show that EnsureBucket refuses such a bucket.
func (s *Store) MakePlainBucket(ctx context.Context, bucket string) error {
	return s.c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{})
}

// Package storage puts archival objects into S3-compatible stores (one bucket
// per municipality) with Object Lock, and reads them back. Every object's
// SHA-256 is computed while it streams, sent as the S3 checksum so the store
// verifies it too, and kept as object metadata for later fixity audits.
package storage

import (
	"context"
	"fmt"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Config is one S3 endpoint and its credentials.
type Config struct {
	Endpoint  string // host:port, or a URL (http:// means no TLS)
	AccessKey string
	SecretKey string
	Region    string
	Insecure  bool // plain http when Endpoint has no scheme
	// SessionToken goes with temporary credentials (STS), such as a
	// credential narrowed by a session policy.
	SessionToken string
}

// Store is an S3 client. It is safe for concurrent use.
type Store struct {
	c        *minio.Client
	endpoint string
}

// New connects a Store (no request is made yet).
func New(cfg Config) (*Store, error) {
	ep, secure := cfg.Endpoint, !cfg.Insecure
	switch {
	case strings.HasPrefix(ep, "http://"):
		ep, secure = strings.TrimPrefix(ep, "http://"), false
	case strings.HasPrefix(ep, "https://"):
		ep, secure = strings.TrimPrefix(ep, "https://"), true
	}
	ep = strings.TrimSuffix(ep, "/")
	tr, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, fmt.Errorf("s3 client for %s: %w", cfg.Endpoint, err)
	}
	// Workers run many uploads to the one endpoint at once (packages x
	// uploads each); with minio-go's 16 idle connections per host, the rest
	// were closed after each request and dialled again.
	tr.MaxIdleConnsPerHost = tr.MaxIdleConns
	c, err := minio.New(ep, &minio.Options{
		Transport:       tr,
		Creds:           credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken),
		Secure:          secure,
		Region:          cfg.Region,
		TrailingHeaders: true, // lets a precomputed x-amz-checksum-sha256 go with a PUT
	})
	if err != nil {
		return nil, fmt.Errorf("s3 client for %s: %w", cfg.Endpoint, err)
	}
	return &Store{c: c, endpoint: ep}, nil
}

// Endpoint is the store's host:port, for logs and errors.
func (s *Store) Endpoint() string { return s.endpoint }

// Healthy reports whether the store answers.
func (s *Store) Healthy(ctx context.Context) error {
	_, err := s.c.ListBuckets(ctx)
	if err != nil {
		return fmt.Errorf("s3 %s: %w", s.endpoint, err)
	}
	return nil
}

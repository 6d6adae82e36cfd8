// Package pkgstore keeps submitted packages in a tenant's NATS object
// store until they are receipted: the producer's paced upload, the
// worker's reads, and their removal. Names, handles and permissions are
// queue's; this package knows what a package store holds.
package pkgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earkiv/earkiv/internal/queue"
)

// Errors a read can end in, for errors.Is.
var (
	// ErrNotFound: the package is not in the package store (never
	// uploaded, or removed).
	ErrNotFound = jetstream.ErrObjectNotFound
	// ErrDigestMismatch: the package read is not the package stored.
	ErrDigestMismatch = jetstream.ErrDigestMismatch
)

// Store is the tenants' package stores, over one NATS connection.
type Store struct {
	q *queue.Client
}

// New reaches the package stores through q.
func New(q *queue.Client) *Store { return &Store{q: q} }

// Info is what the package store records of a package.
type Info struct {
	Name   string
	Size   int64
	Digest string // SHA-256, in the object store's form ("SHA-256=" and base64url)
	Chunks uint32
}

func infoOf(i *jetstream.ObjectInfo) Info {
	return Info{Name: i.Name, Size: int64(i.Size), Digest: i.Digest, Chunks: i.Chunks}
}

// Stat returns what the package store records of a package.
func (s *Store) Stat(ctx context.Context, tenant, name string) (Info, error) {
	obs, err := s.q.PackageStore(ctx, tenant)
	if err != nil {
		return Info{}, err
	}
	info, err := obs.GetInfo(ctx, name)
	if err != nil {
		return Info{}, err
	}
	return infoOf(info), nil
}

// Remove deletes a package; one that is not there is no error.
func (s *Store) Remove(ctx context.Context, tenant, name string) error {
	obs, err := s.q.PackageStore(ctx, tenant)
	if err == nil {
		err = obs.Delete(ctx, name)
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("remove package %s of %s: %w", name, tenant, err)
	}
	return nil
}

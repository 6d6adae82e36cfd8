package catalog

import (
	"context"
	"errors"

	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/storage"
)

// RebuildFrom replaces tenant's AIP rows with the manifests in bucket, as
// Rebuild does. A bucket that does not exist yet holds nothing archived, so
// the tenant has no AIPs rather than an error.
func (c *Catalog) RebuildFrom(ctx context.Context, tenant string, st *storage.Store, bucket string) (int, error) {
	n, err := c.Rebuild(ctx, tenant, aipstore.Manifests(ctx, st, bucket))
	if errors.Is(err, storage.ErrNotFound) {
		return 0, nil
	}
	return n, err
}

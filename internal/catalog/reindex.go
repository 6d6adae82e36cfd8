package catalog

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/earkiv"
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

// Rebuild replaces tenant's AIP rows with the manifests given (read from the
// tenant's bucket), in one transaction: a failed rebuild changes nothing.
// Receipts and events are not in the buckets and stay.
func (c *Catalog) Rebuild(ctx context.Context, tenant string, manifests iter.Seq2[*aip.Manifest, error]) (int, error) {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("catalog: %w", err)
	}
	defer tx.Rollback()
	for _, q := range []string{"DELETE FROM aips", "DELETE FROM objects", "DELETE FROM cases", "DELETE FROM documents", "DELETE FROM outcomes"} {
		if _, err := tx.ExecContext(ctx, q+" WHERE tenant=?", tenant); err != nil {
			return 0, fmt.Errorf("catalog: %w", err)
		}
	}
	n := 0
	for m, err := range manifests {
		if err != nil {
			return n, err
		}
		if m.Tenant != tenant {
			return n, fmt.Errorf("catalog: manifest of AIP %s names tenant %q, found in %s's bucket", m.AIPID, m.Tenant, tenant)
		}
		if err := putAIP(ctx, c.on(tx), m); err != nil {
			return n, err
		}
		n++
	}
	if err := tx.Commit(); err != nil {
		return n, fmt.Errorf("catalog: %w", err)
	}
	return n, nil
}

// EventReader reads a tenant's event log from start to its current end;
// queue.Client is one.
type EventReader interface {
	ReadEvents(ctx context.Context, tenant string, start uint64, fn func(earkiv.Event) error) error
}

// RebuildRetention replaces the tenant's plan versions and holds with
// those its event log records, and applies the log's changed outcomes to
// the outcomes Rebuild read from the manifests, in one transaction. It
// returns how many events it applied.
func (c *Catalog) RebuildRetention(ctx context.Context, tenant string, q EventReader) (int, error) {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("catalog: %w", err)
	}
	defer tx.Rollback()
	for _, del := range []string{"DELETE FROM plans", "DELETE FROM holds", "DELETE FROM lists", "DELETE FROM overrides", "DELETE FROM tombstones"} {
		if _, err := tx.ExecContext(ctx, del+" WHERE tenant=?", tenant); err != nil {
			return 0, fmt.Errorf("catalog: %w", err)
		}
	}
	n := 0
	w := c.on(tx)
	err = q.ReadEvents(ctx, tenant, 1, func(e earkiv.Event) error {
		if e.Tenant != tenant {
			return nil
		}
		switch {
		case isRetentionEvent(e.Type):
			n++
			return applyRetention(ctx, w, e)
		case isDisposalEvent(e.Type):
			n++
			return applyDisposal(ctx, w, e)
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("catalog: replay %s's events: %w", tenant, err)
	}
	if err := tx.Commit(); err != nil {
		return n, fmt.Errorf("catalog: %w", err)
	}
	return n, nil
}

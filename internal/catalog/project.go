package catalog

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/queue"
)

// ManifestLoader reads an AIP's manifest from the tenant's bucket.
type ManifestLoader func(ctx context.Context, tenant, aipID string) (*aip.Manifest, error)

const eventsBookmark = "events.seq"

// Follow keeps the catalog up to date from the event stream: every event is
// recorded, aip.stored loads the AIP's manifest from its bucket and
// receipt.issued records the receipt. It resumes after the last event it
// applied, so a restart neither misses nor repeats work.
func (c *Catalog) Follow(ctx context.Context, q *queue.Client, load ManifestLoader, log *slog.Logger) error {
	last, err := c.State(ctx, eventsBookmark)
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	seq, _ := strconv.ParseUint(last, 10, 64)
	return q.FollowEvents(ctx, "", seq+1, func(e queue.Event) error {
		m, r, err := effect(ctx, e, load, log)
		if err == nil {
			err = c.record(ctx, e, m, r)
		}
		if err == nil || ctx.Err() != nil {
			return err
		}
		// A bad event must not stop the projection for everyone; it is
		// logged loudly, recorded, and the catalog can be rebuilt with reindex.
		log.Error("catalog: event not applied", "seq", e.Seq, "type", e.Type, "tenant", e.Tenant, "err", err)
		return c.record(ctx, e, nil, nil)
	})
}

// effect reads what an event changes in the catalog: the AIP an aip.stored
// event announces, the receipt of receipt.issued. It runs before the
// transaction, since a manifest may have to be read from the bucket.
func effect(ctx context.Context, e queue.Event, load ManifestLoader, log *slog.Logger) (*aip.Manifest, *queue.Receipt, error) {
	switch e.Type {
	case "aip.stored":
		m, err := eventManifest(ctx, e, load, log)
		return m, nil, err
	case "receipt.issued":
		var r queue.Receipt
		if err := json.Unmarshal(e.Data, &r); err != nil {
			return nil, nil, fmt.Errorf("catalog: receipt event %d: %w", e.Seq, err)
		}
		if r.Tenant != e.Tenant {
			return nil, nil, fmt.Errorf("catalog: receipt event %d of %s names tenant %s", e.Seq, e.Tenant, r.Tenant)
		}
		return nil, &r, nil
	}
	return nil, nil, nil
}

// record writes an event, its effect (m, r, either may be nil) and the
// bookmark in one transaction, so a crash never leaves one without the others.
func (c *Catalog) record(ctx context.Context, e queue.Event, m *aip.Manifest, r *queue.Receipt) error {
	err := c.inTx(ctx, func(tx *sql.Tx) error {
		if err := putEvent(ctx, tx, e); err != nil {
			return err
		}
		if m != nil {
			if err := putAIP(ctx, tx, m); err != nil {
				return err
			}
		}
		if r != nil {
			if err := putReceipt(ctx, tx, r); err != nil {
				return err
			}
		}
		return setState(ctx, tx, eventsBookmark, strconv.FormatUint(e.Seq, 10))
	})
	if err == nil && c.Observe != nil {
		c.Observe(e)
	}
	return err
}

// eventManifest is the manifest an aip.stored event announces: carried in
// the event when small, else read from the bucket (retried until it is
// there, since the event may overtake a slow store).
func eventManifest(ctx context.Context, e queue.Event, load ManifestLoader, log *slog.Logger) (*aip.Manifest, error) {
	if len(e.Data) > 0 {
		m, err := aip.DecodeManifest(bytes.NewReader(e.Data))
		if err != nil {
			return nil, fmt.Errorf("catalog: aip.stored event %d: %w", e.Seq, err)
		}
		if m.Tenant != e.Tenant || m.AIPID != e.AIPID {
			return nil, fmt.Errorf("catalog: aip.stored event %d of %s carries AIP %s of tenant %s", e.Seq, e.Tenant, m.AIPID, m.Tenant)
		}
		return m, nil
	}
	wait := 200 * time.Millisecond
	for {
		m, err := load(ctx, e.Tenant, e.AIPID)
		if err == nil {
			if m.Tenant != e.Tenant {
				return nil, fmt.Errorf("catalog: AIP %s in %s's bucket names tenant %s", e.AIPID, e.Tenant, m.Tenant)
			}
			return m, nil
		}
		log.Warn("catalog: load manifest; retrying", "tenant", e.Tenant, "aip", e.AIPID, "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 10*time.Second)
	}
}

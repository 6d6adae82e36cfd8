package catalog

import (
	"bytes"
	"context"
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
		if err := c.apply(ctx, e, load, log); err != nil {
			if ctx.Err() != nil {
				return err
			}
			// A bad event must not stop the projection for everyone; it is
			// logged loudly and the catalog can be rebuilt with reindex.
			log.Error("catalog: event not applied", "seq", e.Seq, "type", e.Type, "tenant", e.Tenant, "err", err)
		}
		return c.SetState(ctx, eventsBookmark, strconv.FormatUint(e.Seq, 10))
	})
}

func (c *Catalog) apply(ctx context.Context, e queue.Event, load ManifestLoader, log *slog.Logger) error {
	if err := c.PutEvent(ctx, e); err != nil {
		return err
	}
	if c.Observe != nil {
		c.Observe(e)
	}
	switch e.Type {
	case "aip.stored":
		if len(e.Data) > 0 {
			m, err := aip.DecodeManifest(bytes.NewReader(e.Data))
			if err != nil {
				return fmt.Errorf("catalog: aip.stored event %d: %w", e.Seq, err)
			}
			if m.Tenant != e.Tenant || m.AIPID != e.AIPID {
				return fmt.Errorf("catalog: aip.stored event %d of %s carries AIP %s of tenant %s", e.Seq, e.Tenant, m.AIPID, m.Tenant)
			}
			return c.PutAIP(ctx, m)
		}
		wait := 200 * time.Millisecond
		for {
			m, err := load(ctx, e.Tenant, e.AIPID)
			if err == nil {
				if m.Tenant != e.Tenant {
					return fmt.Errorf("catalog: AIP %s in %s's bucket names tenant %s", e.AIPID, e.Tenant, m.Tenant)
				}
				return c.PutAIP(ctx, m)
			}
			log.Warn("catalog: load manifest; retrying", "tenant", e.Tenant, "aip", e.AIPID, "err", err)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
			wait = min(wait*2, 10*time.Second)
		}
	case "receipt.issued":
		var r queue.Receipt
		if err := json.Unmarshal(e.Data, &r); err != nil {
			return fmt.Errorf("catalog: receipt event %d: %w", e.Seq, err)
		}
		if r.Tenant != e.Tenant {
			return fmt.Errorf("catalog: receipt event %d of %s names tenant %s", e.Seq, e.Tenant, r.Tenant)
		}
		return c.PutReceipt(ctx, &r)
	}
	return nil
}

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
	"github.com/earkiv/earkiv/internal/earkiv"
)

// ManifestLoader reads an AIP's manifest from the tenant's bucket.
type ManifestLoader func(ctx context.Context, tenant, aipID string) (*aip.Manifest, error)

const eventsBookmark = "events.seq"

// EventSource delivers the event log of every tenant in order from start,
// calling fn for each until ctx ends or fn fails (queue.Client is one).
type EventSource interface {
	FollowEvents(ctx context.Context, tenant string, start uint64, fn func(earkiv.Event) error) error
}

// Follow keeps the catalog up to date from the event stream: every event is
// recorded, aip.stored loads the AIP's manifest from its bucket and
// receipt.issued records the receipt. It resumes after the last event it
// applied, so a restart neither misses nor repeats work.
//
// Events that arrive together are applied in one transaction (up to
// maxBatch), committed when the stream has no more for now: an ingest
// sends four events, and a commit per event would cost more than applying
// them.
func (c *Catalog) Follow(ctx context.Context, q EventSource, load ManifestLoader, log *slog.Logger) error {
	last, err := c.State(ctx, eventsBookmark)
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	seq, _ := strconv.ParseUint(last, 10, 64)
	b := &batch{c: c}
	defer b.rollback()
	return q.FollowEvents(ctx, "", seq+1, func(e earkiv.Event) error {
		if e.Type == earkiv.AIPStored && len(e.Data) == 0 {
			// The manifest comes from the bucket, maybe after retries; no
			// transaction waits for it.
			if err := b.commit(ctx); err != nil {
				return err
			}
		}
		m, r, err := effect(ctx, e, load, log)
		if err == nil {
			err = b.record(ctx, e, m, r)
		}
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			// A bad event must not stop the projection for everyone; it is
			// logged loudly, recorded, and the catalog can be rebuilt with reindex.
			log.Error("catalog: event not applied", "seq", e.Seq, "type", e.Type, "tenant", e.Tenant, "err", err)
			if err := b.record(ctx, e, nil, nil); err != nil {
				return err
			}
		}
		if e.Pending == 0 || len(b.events) >= maxBatch || time.Since(b.started) > maxBatchAge {
			return b.commit(ctx)
		}
		return nil
	})
}

// maxBatch and maxBatchAge bound the events one transaction applies and
// how long a busy stream keeps them from readers.
const (
	maxBatch    = 256
	maxBatchAge = 500 * time.Millisecond
)

// batch is the open transaction of events applied but not yet committed;
// the bookmark moves with the commit, so a crash replays exactly those.
type batch struct {
	c       *Catalog
	tx      *sql.Tx
	started time.Time
	events  []earkiv.Event
}

// record applies one event and its effect (m, r, either may be nil). An
// effect that fails is undone to a savepoint, leaving the batch as it was.
func (b *batch) record(ctx context.Context, e earkiv.Event, m *aip.Manifest, r *earkiv.Receipt) error {
	if b.tx == nil {
		tx, err := b.c.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("catalog: %w", err)
		}
		b.tx, b.started = tx, time.Now()
	}
	w := b.c.on(b.tx)
	savepoint := m != nil || r != nil || isRetentionEvent(e.Type) || isDisposalEvent(e.Type)
	if savepoint {
		if _, err := w.exec(ctx, "SAVEPOINT event"); err != nil {
			return fmt.Errorf("catalog: %w", err)
		}
	}
	err := putEvent(ctx, w, e)
	if err == nil && isRetentionEvent(e.Type) {
		err = applyRetention(ctx, w, e)
	}
	if err == nil && isDisposalEvent(e.Type) {
		err = applyDisposal(ctx, w, e)
	}
	if err == nil && m != nil {
		err = putAIP(ctx, w, m)
	}
	if err == nil && r != nil {
		err = putReceipt(ctx, w, r)
	}
	if savepoint {
		if err != nil {
			_, _ = w.exec(ctx, "ROLLBACK TO event") // the event's error is returned; a failed rollback fails the batch's commit
		}
		if _, rerr := w.exec(ctx, "RELEASE event"); rerr != nil && err == nil {
			err = fmt.Errorf("catalog: %w", rerr)
		}
	}
	if err != nil {
		return err
	}
	b.events = append(b.events, e)
	return nil
}

// commit moves the bookmark to the batch's last event and commits.
func (b *batch) commit(ctx context.Context) error {
	if b.tx == nil || len(b.events) == 0 {
		b.rollback()
		return nil
	}
	tx := b.tx
	b.tx = nil
	defer tx.Rollback()
	if err := setState(ctx, b.c.on(tx), eventsBookmark, strconv.FormatUint(b.events[len(b.events)-1].Seq, 10)); err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	if b.c.Observe != nil {
		for _, e := range b.events {
			b.c.Observe(e)
		}
	}
	b.events = b.events[:0]
	return nil
}

func (b *batch) rollback() {
	if b.tx != nil {
		b.tx.Rollback()
		b.tx, b.events = nil, nil
	}
}

// effect reads what an event changes in the catalog: the AIP an aip.stored
// event announces, the receipt of receipt.issued. Follow commits what it
// holds before an effect that reads a manifest from the bucket, so no
// transaction stays open while that is retried.
func effect(ctx context.Context, e earkiv.Event, load ManifestLoader, log *slog.Logger) (*aip.Manifest, *earkiv.Receipt, error) {
	switch e.Type {
	case earkiv.AIPStored:
		m, err := eventManifest(ctx, e, load, log)
		return m, nil, err
	case earkiv.ReceiptIssued:
		var r earkiv.Receipt
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

// eventManifest is the manifest an aip.stored event announces: carried in
// the event when small, else read from the bucket (retried until it is
// there, since the event may overtake a slow store).
func eventManifest(ctx context.Context, e earkiv.Event, load ManifestLoader, log *slog.Logger) (*aip.Manifest, error) {
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

package accesslog

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/tenant"
)

// bucket finds tenant's primary bucket, where its checkpoints are kept.
func (l *Log) bucket(tenantID string) (*tenant.Tenant, placement.Bucket, error) {
	if l.cfg.Tenants == nil || l.cfg.Place == nil {
		return nil, placement.Bucket{}, errors.New("access log: no tenants or buckets configured")
	}
	t, err := l.cfg.Tenants().Get(tenantID)
	if err != nil {
		return nil, placement.Bucket{}, err
	}
	b, err := l.cfg.Place.Primary(t)
	if err != nil {
		return nil, placement.Bucket{}, err
	}
	return t, b, nil
}

// Checkpoint signs tenant's log as stored now and writes the checkpoint
// to its bucket under Object Lock in COMPLIANCE mode, which no one can
// lift, for the tenant's retention period (a hundred years when it keeps
// AIPs for ever): a checkpoint is never disposed of. ok is false when there was nothing new to sign: the log is
// empty, or the latest checkpoint already counts every entry.
func (l *Log) Checkpoint(ctx context.Context, tenantID string) (c Checkpoint, ok bool, err error) {
	if l.cfg.Signer == nil {
		return Checkpoint{}, false, errors.New("access log: no signing key")
	}
	t, b, err := l.bucket(tenantID)
	if err != nil {
		return Checkpoint{}, false, err
	}
	m, found, err := l.cfg.Queue.LastAccess(ctx, tenantID)
	if err != nil || !found {
		return Checkpoint{}, false, err
	}
	e, intact, err := decode(m.Data)
	if err != nil || !intact {
		return Checkpoint{}, false, fmt.Errorf("access log of %s: the last entry (stream sequence %d) is damaged; not signing it (%v)", tenantID, m.Seq, err)
	}
	if _, err := b.Store.Stat(ctx, b.Name, checkpointKey(e.N)); err == nil {
		return Checkpoint{}, false, nil
	}
	now := l.cfg.Now().UTC()
	c = Checkpoint{Tenant: tenantID, N: e.N, Head: e.Hash, Time: now.Truncate(time.Second)}
	signed, err := c.Sign(l.cfg.Signer)
	if err != nil {
		return Checkpoint{}, false, err
	}
	until, err := t.Retention.Until(now)
	if err != nil {
		return Checkpoint{}, false, err
	}
	if until.IsZero() { // kept for ever
		until = now.AddDate(100, 0, 0)
	}
	lock := earkiv.Lock{Mode: "COMPLIANCE", RetainUntil: until.Truncate(time.Second)}
	if err := putCheckpoint(ctx, b.Store, b.Name, c, signed, lock); err != nil {
		return Checkpoint{}, false, err
	}
	return c, true, nil
}

// Verify reads tenant's whole log and its checkpoints and checks them
// (VerifyEntries). An error means it could not check; a problem found is
// in the result.
func (l *Log) Verify(ctx context.Context, tenantID string) (Result, error) {
	if l.cfg.Verifier == nil {
		return Result{}, errors.New("access log: no key to verify checkpoints with")
	}
	_, b, err := l.bucket(tenantID)
	if err != nil {
		return Result{}, err
	}
	var stored []queue.AccessMsg
	for m, err := range l.cfg.Queue.ReadAccess(ctx, tenantID, 0) {
		if err != nil {
			return Result{}, err
		}
		stored = append(stored, m)
	}
	cps, bad, err := readCheckpoints(ctx, b.Store, b.Name, tenantID, l.cfg.Verifier)
	if err != nil {
		return Result{}, err
	}
	r := VerifyEntries(tenantID, stored, cps)
	if bad != nil && r.Problem == nil {
		r.Problem = bad
	}
	return r, nil
}

// Export yields tenant's entries with times from from (inclusive) to to
// (exclusive), a zero time leaving that end open, in the log's order.
// An entry that cannot be read ends it with an error: Verify says more.
func (l *Log) Export(ctx context.Context, tenantID string, from, to time.Time) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		for m, err := range l.cfg.Queue.ReadAccess(ctx, tenantID, 0) {
			if err != nil {
				yield(Entry{}, err)
				return
			}
			e, _, err := decode(m.Data)
			if err != nil {
				yield(Entry{}, fmt.Errorf("access log of %s: stream sequence %d: %w", tenantID, m.Seq, err))
				return
			}
			if (!from.IsZero() && e.Time.Before(from)) || (!to.IsZero() && !e.Time.Before(to)) {
				continue
			}
			if !yield(e, nil) {
				return
			}
		}
	}
}

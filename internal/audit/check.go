package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/earkiv/earkiv/internal/fixity"
	"github.com/earkiv/earkiv/internal/storage"
)

// Check reads every target and reports each result through o.OnResult. It
// stops early, without a result for the objects not read, when ctx ends.
func Check(ctx context.Context, o Options, targets []Target) error {
	workers := o.Workers
	if workers <= 0 {
		workers = 4
	}
	lim := newLimiter(o.Rate)
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	jobs := make(chan Target)
	var wg sync.WaitGroup
	var stopped atomic.Bool
	for range workers {
		wg.Go(func() {
			for t := range jobs {
				f := checkOne(ctx, t, lim, t.Bucket, t.Tenant.ID)
				if ctx.Err() != nil {
					stopped.Store(true)
					continue // interrupted mid-object: no verdict
				}
				f.Checked = now().UTC()
				if o.OnResult != nil {
					o.OnResult(f)
				}
			}
		})
	}
feed:
	for _, t := range targets {
		select {
		case jobs <- t:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if stopped.Load() || ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

func checkOne(ctx context.Context, t Target, lim *rate.Limiter, bucket, tenantID string) Finding {
	f := Finding{Tenant: tenantID, Bucket: bucket, AIPID: t.AIPID, Key: t.Key, Expected: t.SHA256, Size: t.Size}
	rc, _, err := t.Store.Get(ctx, bucket, t.Key)
	if errors.Is(err, storage.ErrNotFound) {
		f.Outcome, f.Detail = Missing, "gone from the bucket"
		return f
	}
	if err != nil {
		f.Outcome, f.Detail = Error, err.Error()
		return f
	}
	defer rc.Close()
	var r io.Reader = rc
	if lim != nil {
		r = &limitedReader{ctx: ctx, r: rc, lim: lim}
	}
	sum, err := fixity.Sum(ctx, r, fixity.SHA256)
	if err != nil {
		f.Outcome, f.Detail = Error, err.Error()
		return f
	}
	n := sum.Size
	f.Actual = sum.Digests[fixity.SHA256]
	switch {
	case f.Actual != t.SHA256:
		f.Outcome, f.Detail = Mismatch, "SHA-256 differs from the one recorded at ingest"
	case n != t.Size:
		f.Outcome, f.Detail = Mismatch, fmt.Sprintf("size %d, recorded %d", n, t.Size)
	default:
		f.Outcome = OK
	}
	f.Size = n
	return f
}

// newLimiter is the limiter of an audit of bytesPerSec over all workers,
// nil for unlimited. Its burst is a second's worth, up to 64 MiB.
func newLimiter(bytesPerSec int64) *rate.Limiter {
	if bytesPerSec <= 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(bytesPerSec), int(min(bytesPerSec, 64<<20)))
}

// limitedReader paces reads to the audit's byte rate.
type limitedReader struct {
	ctx context.Context
	r   io.Reader
	lim *rate.Limiter
}

func (l *limitedReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if n > 0 {
		if werr := waitN(l.ctx, l.lim, n); werr != nil {
			return n, werr
		}
	}
	return n, err
}

// waitN takes n tokens, in pieces no bigger than the burst.
func waitN(ctx context.Context, lim *rate.Limiter, n int) error {
	for n > 0 {
		k := min(n, lim.Burst())
		if err := lim.WaitN(ctx, k); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

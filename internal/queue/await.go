package queue

import (
	"context"
	"fmt"

	"github.com/earkiv/earkiv/internal/earkiv"
)

// Await collects the receipts of submissions made after it starts watching,
// so a client that submits several packages and then waits misses none of
// them, however fast they are receipted.
type Await struct {
	c     *Client
	watch <-chan *earkiv.Receipt
}

// Await starts watching tenant's receipts; call it before submitting.
// The watch ends with ctx.
func (c *Client) Await(ctx context.Context, tenant string) (*Await, error) {
	w, err := c.WatchReceipts(ctx, tenant, true)
	if err != nil {
		return nil, err
	}
	return &Await{c: c, watch: w}, nil
}

// Receipts calls fn with the receipt of each submission in ids as it comes,
// and returns once every one came, or with an error that says how many are
// missing when ctx ends or the connection closes first.
func (a *Await) Receipts(ctx context.Context, ids []string, fn func(*earkiv.Receipt)) error {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	for len(want) > 0 {
		var r *earkiv.Receipt
		select {
		case r = <-a.watch:
		case <-ctx.Done():
		}
		if r == nil {
			why := ctx.Err()
			if err := a.c.Err(); err != nil {
				why = err
			}
			return fmt.Errorf("%d receipts still missing (%w)", len(want), why)
		}
		if want[r.SubmissionID] {
			delete(want, r.SubmissionID)
			fn(r)
		}
	}
	return nil
}

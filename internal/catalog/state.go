package catalog

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"
)

// State reads a projection bookmark (e.g. the last event applied).
func (c *Catalog) State(ctx context.Context, key string) (string, error) {
	var v string
	err := c.db.QueryRowContext(ctx, `SELECT value FROM state WHERE key=?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetState writes a projection bookmark.
func (c *Catalog) SetState(ctx context.Context, key, value string) error {
	return setState(ctx, c.on(nil), key, value)
}

func setState(ctx context.Context, w writer, key, value string) error {
	_, err := w.exec(ctx, insertState, key, value)
	return err
}

// WaitApplied waits until the projection has applied the event at stream
// sequence seq, so a person's change shows on the page they are sent to.
func (c *Catalog) WaitApplied(ctx context.Context, seq uint64) error {
	wait := 5 * time.Millisecond
	for {
		last, err := c.State(ctx, eventsBookmark)
		if err != nil {
			return err
		}
		if n, _ := strconv.ParseUint(last, 10, 64); n >= seq {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 200*time.Millisecond)
	}
}

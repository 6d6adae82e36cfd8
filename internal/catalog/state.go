package catalog

import (
	"context"
	"database/sql"
	"errors"
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

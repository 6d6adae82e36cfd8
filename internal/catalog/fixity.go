package catalog

import (
	"context"
	"fmt"
	"time"
)

// SetVerified records a fixity check of an object. Kept apart from the AIP
// rows, so rebuilding those from the buckets keeps the audit history.
func (c *Catalog) SetVerified(ctx context.Context, tenant, key string, at time.Time, outcome, run string) error {
	_, err := c.db.ExecContext(ctx, `INSERT OR REPLACE INTO verified VALUES (?,?,?,?,?)`, tenant, key, at.UTC().Format(time.RFC3339Nano), outcome, run)
	if err != nil {
		return fmt.Errorf("catalog: verified %s: %w", key, err)
	}
	return nil
}

// LastVerified returns when each of tenant's objects last passed a check.
func (c *Catalog) LastVerified(ctx context.Context, tenant string) (map[string]time.Time, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT key, time FROM verified WHERE tenant=? AND outcome='ok'`, tenant)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var k, ts string
		if err := rows.Scan(&k, &ts); err != nil {
			return nil, err
		}
		out[k], _ = time.Parse(time.RFC3339Nano, ts)
	}
	return out, rows.Err()
}

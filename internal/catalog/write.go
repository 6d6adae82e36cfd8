package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/earkiv"
)

// PutAIP records an AIP from its manifest, replacing what was there for the
// same AIP (applying a manifest twice is harmless).
func (c *Catalog) PutAIP(ctx context.Context, m *aip.Manifest) error {
	return c.inTx(ctx, func(tx *sql.Tx) error { return putAIP(ctx, c.on(tx), m) })
}

// writer runs the catalog's writes, each statement prepared once per
// database: SQLite parses an unprepared statement anew on every call, much
// of a small write's cost.
type writer struct {
	c  *Catalog
	tx *sql.Tx // nil: outside a transaction
}

// on returns the writer for tx (nil for none).
func (c *Catalog) on(tx *sql.Tx) writer { return writer{c, tx} }

func (w writer) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, ok := w.c.stmts[query]
	if !ok {
		return nil, fmt.Errorf("catalog: statement %q is not among the prepared writes", query)
	}
	if w.tx != nil {
		st = w.tx.StmtContext(ctx, st) // reuses the statement prepared on the one connection
		defer st.Close()
	}
	return st.ExecContext(ctx, args...)
}

// writes are the statements prepared when the catalog opens. Preparing
// later could wait forever: a transaction holds the one connection.
var writes = slices.Concat(deleteAIPRows, []string{
	insertAIP, insertObject, insertCase, insertDocument, insertReceipt, insertEvent, insertState,
	insertOutcome, updateOutcome, upsertPlan, upsertHold, upsertList, upsertOverride, insertTomb, deleteVerified, deleteOverride,
	"SAVEPOINT event", "ROLLBACK TO event", "RELEASE event",
})

// deleteAIPRows remove an AIP's rows before its manifest is written again.
var deleteAIPRows = []string{
	"DELETE FROM aips WHERE tenant=? AND aip_id=?",
	"DELETE FROM objects WHERE tenant=? AND aip_id=?",
	"DELETE FROM cases WHERE tenant=? AND aip_id=?",
	"DELETE FROM documents WHERE tenant=? AND aip_id=?",
	"DELETE FROM outcomes WHERE tenant=? AND aip_id=?",
}

func putAIP(ctx context.Context, w writer, m *aip.Manifest) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	for _, q := range deleteAIPRows {
		if _, err := w.exec(ctx, q, m.Tenant, m.AIPID); err != nil {
			return fmt.Errorf("catalog: %w", err)
		}
	}
	var until any
	if !m.Retention.RetainUntil.IsZero() {
		until = m.Retention.RetainUntil.UTC().Format(time.RFC3339)
	}
	_, err = w.exec(ctx, insertAIP,
		m.Tenant, m.AIPID, m.PackageID, m.SubmissionID, m.Family, m.Profile, m.Label, m.Archivist.Name, m.Creator.Name, m.Submitter.Name,
		m.Created.UTC().Format(time.RFC3339), m.Digest, m.Files, m.Bytes, until, m.Retention.Mode, m.Retention.LegalHold, string(raw))
	if err != nil {
		return fmt.Errorf("catalog: aip %s: %w", m.AIPID, err)
	}
	for _, o := range m.Objects {
		if _, err := w.exec(ctx, insertObject, m.Tenant, m.AIPID, o.Key, o.Path, o.Role, o.Size, o.SHA256, o.VersionID); err != nil {
			return fmt.Errorf("catalog: object %s: %w", o.Key, err)
		}
	}
	for _, cs := range m.Cases {
		r, rtxt := restrictionOf(cs.Restriction)
		if _, err := w.exec(ctx, insertCase,
			m.Tenant, m.AIPID, cs.ID, cs.Title, cs.PublicTitle, cs.Status, cs.Classification, cs.Created, cs.Opened, cs.Closed, r, rtxt); err != nil {
			return fmt.Errorf("catalog: case %s: %w", cs.ID, err)
		}
		for _, d := range cs.Documents {
			r, rtxt := restrictionOf(d.Restriction)
			files, _ := json.Marshal(d.Files)
			if _, err := w.exec(ctx, insertDocument,
				m.Tenant, m.AIPID, cs.ID, d.ID, d.Title, d.PublicTitle, d.Type, d.Date, r, rtxt, string(files)); err != nil {
				return fmt.Errorf("catalog: document %s: %w", d.ID, err)
			}
		}
	}
	return putOutcomes(ctx, w, m)
}

// PutReceipt records a receipt (summary; the full report stays in the receipt store).
func (c *Catalog) PutReceipt(ctx context.Context, r *earkiv.Receipt) error {
	return putReceipt(ctx, c.on(nil), r)
}

func putReceipt(ctx context.Context, w writer, r *earkiv.Receipt) error {
	_, err := w.exec(ctx, insertReceipt,
		r.Tenant, r.SubmissionID, r.PackageID, r.AIPID, r.Status, r.Reason, r.Files, r.Bytes,
		r.Submitted.UTC().Format(time.RFC3339Nano), r.Finished.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return fmt.Errorf("catalog: receipt %s: %w", r.SubmissionID, err)
	}
	return nil
}

// PutEvent records an event once (by stream sequence).
func (c *Catalog) PutEvent(ctx context.Context, e earkiv.Event) error {
	return putEvent(ctx, c.on(nil), e)
}

func putEvent(ctx context.Context, w writer, e earkiv.Event) error {
	_, err := w.exec(ctx, insertEvent,
		e.Seq, e.Tenant, e.ID, e.Time.UTC().Format(time.RFC3339Nano), e.Type, e.SubmissionID, e.PackageID, e.AIPID, e.Outcome, e.Detail)
	if err != nil {
		return fmt.Errorf("catalog: event %d: %w", e.Seq, err)
	}
	return nil
}

func restrictionOf(r interface{}) (bool, string) {
	b, _ := json.Marshal(r)
	if string(b) == "null" {
		return false, ""
	}
	return true, string(b)
}

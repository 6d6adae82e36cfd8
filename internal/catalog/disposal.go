package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ihp"
)

// Gallrad is the outcome of a record that was disposed of: retention
// answers from its tombstone.
const Gallrad ihp.Action = "gallrad"

// disposalSchema holds the gallring lists as their events carry them, the
// archivists' overrides of the plan (an exclusion: kept, or postponed),
// and the tombstones of disposed records.
const disposalSchema = `
CREATE TABLE IF NOT EXISTS lists (tenant TEXT NOT NULL, id TEXT NOT NULL, proposed TEXT NOT NULL, state TEXT NOT NULL, data TEXT NOT NULL,
	PRIMARY KEY (tenant, id));
CREATE TABLE IF NOT EXISTS overrides (tenant TEXT NOT NULL, aip_id TEXT NOT NULL, case_id TEXT NOT NULL, doc_id TEXT NOT NULL, outcome TEXT NOT NULL,
	PRIMARY KEY (tenant, aip_id, case_id, doc_id));
CREATE TABLE IF NOT EXISTS tombstones (tenant TEXT NOT NULL, aip_id TEXT NOT NULL, package_id TEXT, case_id TEXT NOT NULL, doc_id TEXT NOT NULL,
	rule TEXT, plan TEXT, date TEXT, list TEXT NOT NULL, disposed TEXT NOT NULL, full INTEGER NOT NULL,
	PRIMARY KEY (tenant, aip_id, case_id, doc_id, list));
CREATE INDEX IF NOT EXISTS tombstones_case ON tombstones(tenant, case_id);
`

const (
	upsertList     = `INSERT OR REPLACE INTO lists VALUES (?,?,?,?,?)`
	upsertOverride = `INSERT OR REPLACE INTO overrides VALUES (?,?,?,?,?)`
	insertTomb     = `INSERT OR REPLACE INTO tombstones VALUES (?,?,?,?,?,?,?,?,?,?,?)`
	deleteVerified = `DELETE FROM verified WHERE tenant=? AND substr(key, 1, length(?))=?`
	deleteOverride = `DELETE FROM overrides WHERE tenant=? AND aip_id=?`
)

// Override is an archivist's outcome for a record beside the plan.
type Override struct {
	AIP      string      `json:"aip"`
	Case     string      `json:"case"`
	Document string      `json:"document,omitempty"`
	Outcome  ihp.Outcome `json:"outcome"`
}

// Overrides is what a retention.override event carries.
type Overrides struct {
	Overrides []Override `json:"overrides"`
}

// DisposedRecord is what a disposal.record event carries: the tombstone,
// and for a partial gallring the AIP's new manifest.
type DisposedRecord struct {
	Tombstone *aip.Tombstone `json:"tombstone"`
	Manifest  *aip.Manifest  `json:"manifest,omitempty"`
}

// applyDisposal projects the events of gallring.
func applyDisposal(ctx context.Context, w writer, e earkiv.Event) error {
	switch e.Type {
	case earkiv.DisposalList:
		var l struct {
			ID       string    `json:"id"`
			Tenant   string    `json:"tenant"`
			State    string    `json:"state"`
			Proposed time.Time `json:"proposed"`
		}
		if err := json.Unmarshal(e.Data, &l); err != nil || l.Tenant != e.Tenant || l.ID == "" {
			return fmt.Errorf("catalog: %s event %d: not a list of %s (%v)", e.Type, e.Seq, e.Tenant, err)
		}
		_, err := w.exec(ctx, upsertList, e.Tenant, l.ID, l.Proposed.UTC().Format(time.RFC3339Nano), l.State, string(e.Data))
		return err
	case earkiv.RetentionOverride:
		var o Overrides
		if err := json.Unmarshal(e.Data, &o); err != nil {
			return fmt.Errorf("catalog: %s event %d: %w", e.Type, e.Seq, err)
		}
		for _, x := range o.Overrides {
			b, err := json.Marshal(x.Outcome)
			if err != nil {
				return err
			}
			if _, err := w.exec(ctx, upsertOverride, e.Tenant, x.AIP, x.Case, x.Document, string(b)); err != nil {
				return err
			}
		}
	case earkiv.DisposalRecord:
		var d DisposedRecord
		if err := json.Unmarshal(e.Data, &d); err != nil || d.Tombstone == nil || d.Tombstone.Tenant != e.Tenant {
			return fmt.Errorf("catalog: %s event %d: not a tombstone of %s (%v)", e.Type, e.Seq, e.Tenant, err)
		}
		t := d.Tombstone
		if t.Full {
			for _, q := range deleteAIPRows {
				if _, err := w.exec(ctx, q, e.Tenant, t.AIPID); err != nil {
					return fmt.Errorf("catalog: %w", err)
				}
			}
			if _, err := w.exec(ctx, deleteVerified, e.Tenant, t.AIPID+"/", t.AIPID+"/"); err != nil {
				return fmt.Errorf("catalog: %w", err)
			}
			if _, err := w.exec(ctx, deleteOverride, e.Tenant, t.AIPID); err != nil {
				return fmt.Errorf("catalog: %w", err)
			}
		} else if d.Manifest != nil {
			if d.Manifest.Tenant != e.Tenant || d.Manifest.AIPID != t.AIPID {
				return fmt.Errorf("catalog: %s event %d: manifest of another AIP", e.Type, e.Seq)
			}
			if err := putAIP(ctx, w, d.Manifest); err != nil {
				return err
			}
		}
		for _, r := range t.Records {
			if _, err := w.exec(ctx, insertTomb, e.Tenant, t.AIPID, t.PackageID, r.Case, r.Document, r.Rule, r.Plan, r.Date, t.List,
				t.Disposed.UTC().Format(time.RFC3339), t.Full); err != nil {
				return fmt.Errorf("catalog: tombstone of %s: %w", r.Case, err)
			}
		}
	}
	return nil
}

func isDisposalEvent(t earkiv.EventType) bool {
	return t == earkiv.DisposalList || t == earkiv.RetentionOverride || t == earkiv.DisposalRecord
}

// ListData returns the tenant's gallring lists as their events carried
// them (JSON), newest first; the disposal package decodes them.
func (c *Catalog) ListData(ctx context.Context, tenant string) ([][]byte, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT data FROM lists WHERE tenant=? ORDER BY proposed DESC`, tenant)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Tombstones returns the disposed records of an AIP or a case, as
// retention shows them: outcome gallrad, the date disposed, the list.
func (c *Catalog) Tombstones(ctx context.Context, tenant, aipOrCase string) ([]Record, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT aip_id, COALESCE(package_id,''), case_id, doc_id, COALESCE(rule,''), COALESCE(plan,''), COALESCE(date,''), list, disposed
		FROM tombstones WHERE tenant=? AND (aip_id=? OR case_id=?) ORDER BY case_id, aip_id, doc_id`, tenant, aipOrCase, aipOrCase)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		var rule, plan, date, list, disposed string
		if err := rows.Scan(&r.AIP, &r.PackageID, &r.Case, &r.Document, &rule, &plan, &date, &list, &disposed); err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		r.Outcome = ihp.Outcome{Outcome: Gallrad, Date: disposed[:min(10, len(disposed))], Basis: ihp.Basis{Rule: rule, Plan: plan}}
		r.List, r.DueDate = list, date
		out = append(out, r)
	}
	return out, rows.Err()
}

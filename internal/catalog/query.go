package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
)

// AIP is a catalog row.
type AIP struct {
	Tenant       string    `json:"tenant"`
	AIPID        string    `json:"aipId"`
	PackageID    string    `json:"packageId"`
	SubmissionID string    `json:"submissionId"`
	Label        string    `json:"label,omitempty"`
	Created      time.Time `json:"created"`
	Digest       string    `json:"digest"`
	Files        int       `json:"files"`
	Bytes        int64     `json:"bytes"`
	RetainUntil  string    `json:"retainUntil,omitempty"`
	LegalHold    bool      `json:"legalHold"`
}

// AIPs lists tenant's AIPs, oldest first.
func (c *Catalog) AIPs(ctx context.Context, tenant string) ([]AIP, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT tenant, aip_id, package_id, submission_id, label, created, digest, files, bytes,
		COALESCE(retain_until,''), legal_hold FROM aips WHERE tenant=? ORDER BY created, aip_id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	defer rows.Close()
	var out []AIP
	for rows.Next() {
		var a AIP
		var created string
		if err := rows.Scan(&a.Tenant, &a.AIPID, &a.PackageID, &a.SubmissionID, &a.Label, &created, &a.Digest, &a.Files, &a.Bytes, &a.RetainUntil, &a.LegalHold); err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		a.Created, _ = time.Parse(time.RFC3339, created)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Manifest returns tenant's AIP manifest as catalogued.
func (c *Catalog) Manifest(ctx context.Context, tenant, aipID string) (*aip.Manifest, error) {
	var raw string
	err := c.db.QueryRowContext(ctx, `SELECT manifest FROM aips WHERE tenant=? AND aip_id=?`, tenant, aipID).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("aip %s of %s: %w", aipID, tenant, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	var m aip.Manifest
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, fmt.Errorf("catalog: aip %s: %w", aipID, err)
	}
	return &m, nil
}

// ObjectCount is how many objects the catalog knows (all tenants), to spread
// audits over a cycle.
func (c *Catalog) ObjectCount(ctx context.Context) (int, error) {
	var n, a int
	if err := c.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM objects`).Scan(&n); err != nil {
		return 0, fmt.Errorf("catalog: %w", err)
	}
	if err := c.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM aips`).Scan(&a); err != nil {
		return 0, fmt.Errorf("catalog: %w", err)
	}
	return n + a, nil // each AIP's manifest is audited too
}

// ErrNotFound is returned for a row that is not in the catalog.
var ErrNotFound = errors.New("not in catalog")

// CaseRow is a catalogued case.
type CaseRow struct {
	AIPID          string `json:"aipId"`
	CaseID         string `json:"caseId"`
	Title          string `json:"title"`
	Classification string `json:"classification,omitempty"`
	Opened         string `json:"opened,omitempty"`
	Closed         string `json:"closed,omitempty"`
	Restricted     bool   `json:"restricted"`
	Documents      int    `json:"documents"`
}

// Cases lists tenant's cases.
func (c *Catalog) Cases(ctx context.Context, tenant string) ([]CaseRow, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT c.aip_id, c.case_id, COALESCE(c.title,''), COALESCE(c.classification,''), COALESCE(c.opened,''),
		COALESCE(c.closed,''), c.restricted,
		(SELECT COUNT(*) FROM documents d WHERE d.tenant=c.tenant AND d.aip_id=c.aip_id AND d.case_id=c.case_id)
		FROM cases c WHERE c.tenant=? ORDER BY c.case_id, c.aip_id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	defer rows.Close()
	var out []CaseRow
	for rows.Next() {
		var r CaseRow
		if err := rows.Scan(&r.AIPID, &r.CaseID, &r.Title, &r.Classification, &r.Opened, &r.Closed, &r.Restricted, &r.Documents); err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Dump writes every row of a tenant's AIP, object, case and document tables
// in a fixed order, to compare a rebuilt catalog with the original.
func (c *Catalog) Dump(ctx context.Context, tenant string) ([]string, error) {
	var out []string
	for _, q := range []string{
		`SELECT aip_id||'|'||package_id||'|'||submission_id||'|'||digest||'|'||files||'|'||bytes||'|'||COALESCE(retain_until,'')||'|'||legal_hold FROM aips WHERE tenant=? ORDER BY aip_id`,
		`SELECT key||'|'||size||'|'||sha256||'|'||role FROM objects WHERE tenant=? ORDER BY key`,
		`SELECT aip_id||'|'||case_id||'|'||COALESCE(title,'')||'|'||restricted FROM cases WHERE tenant=? ORDER BY aip_id, case_id`,
		`SELECT aip_id||'|'||case_id||'|'||doc_id||'|'||COALESCE(title,'')||'|'||files FROM documents WHERE tenant=? ORDER BY aip_id, case_id, doc_id`,
	} {
		rows, err := c.db.QueryContext(ctx, q, tenant)
		if err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, s)
		}
		rows.Close()
	}
	return out, nil
}

// Manifests returns the manifests of the tenant's AIPs named, by AIP id;
// an AIP the catalog does not hold is absent from the map. One query per
// 500 ids, for work over many AIPs at once.
func (c *Catalog) Manifests(ctx context.Context, tenant string, ids []string) (map[string]*aip.Manifest, error) {
	out := map[string]*aip.Manifest{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		chunk := ids[:n]
		ids = ids[n:]
		q := `SELECT manifest FROM aips WHERE tenant=? AND aip_id IN (?` + strings.Repeat(",?", len(chunk)-1) + `)`
		args := []any{tenant}
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := c.db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		for rows.Next() {
			var raw string
			if err := rows.Scan(&raw); err != nil {
				rows.Close()
				return nil, fmt.Errorf("catalog: %w", err)
			}
			var m aip.Manifest
			if err := json.Unmarshal([]byte(raw), &m); err != nil {
				rows.Close()
				return nil, fmt.Errorf("catalog: %w", err)
			}
			out[m.AIPID] = &m
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
	}
	return out, nil
}

// TenantObjects is how many objects the tenant's AIPs hold (manifests
// included), to weigh listing a whole bucket against listing each AIP.
func (c *Catalog) TenantObjects(ctx context.Context, tenant string) (int, error) {
	var n, a int
	if err := c.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM objects WHERE tenant=?`, tenant).Scan(&n); err != nil {
		return 0, fmt.Errorf("catalog: %w", err)
	}
	if err := c.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM aips WHERE tenant=?`, tenant).Scan(&a); err != nil {
		return 0, fmt.Errorf("catalog: %w", err)
	}
	return n + a, nil
}

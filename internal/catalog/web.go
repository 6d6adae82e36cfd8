package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/earkiv/earkiv/internal/records"
)

// The reads of the web pages. Each takes the tenant of the person acting
// and filters on it, so an id of another tenant's case reads as absent,
// exactly like an id that does not exist.

// CaseItem is a case as a list shows it. Title is the case's own title and
// may be secret: a list shows PublicTitle of a restricted case instead.
type CaseItem struct {
	AIPID          string
	CaseID         string
	Title          string
	PublicTitle    string
	Classification string
	Opened         string
	Closed         string
	Restricted     bool // the case itself carries a restriction
	Documents      int
}

// CaseList lists tenant's cases by case id.
func (c *Catalog) CaseList(ctx context.Context, tenant string) ([]CaseItem, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT c.aip_id, c.case_id, COALESCE(c.title,''), COALESCE(c.public_title,''),
		COALESCE(c.classification,''), COALESCE(c.opened,''), COALESCE(c.closed,''), c.restricted,
		(SELECT COUNT(*) FROM documents d WHERE d.tenant=c.tenant AND d.aip_id=c.aip_id AND d.case_id=c.case_id)
		FROM cases c WHERE c.tenant=? ORDER BY c.case_id, c.aip_id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("catalog: cases of %s: %w", tenant, err)
	}
	defer rows.Close()
	var out []CaseItem
	for rows.Next() {
		var r CaseItem
		if err := rows.Scan(&r.AIPID, &r.CaseID, &r.Title, &r.PublicTitle, &r.Classification, &r.Opened, &r.Closed, &r.Restricted, &r.Documents); err != nil {
			return nil, fmt.Errorf("catalog: cases of %s: %w", tenant, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CaseDetail is one case with its documents.
type CaseDetail struct {
	CaseItem
	Status      string
	Created     string
	Restriction *records.Restrict
	Docs        []DocumentItem
}

// AnyRestricted tells whether the case or any of its documents carries a
// restriction: then the case is shown only to those who may read
// restricted records, each view with a reason.
func (d *CaseDetail) AnyRestricted() bool {
	if d.Restricted {
		return true
	}
	for _, x := range d.Docs {
		if x.Restricted {
			return true
		}
	}
	return false
}

// DocumentItem is one document of a case.
type DocumentItem struct {
	AIPID       string
	CaseID      string
	DocID       string
	Title       string
	PublicTitle string
	Type        string
	Date        string
	Restricted  bool
	Restriction *records.Restrict
	Files       []string // as the description links them
}

// Case returns tenant's case, or an error wrapping ErrNotFound.
func (c *Catalog) Case(ctx context.Context, tenant, aipID, caseID string) (*CaseDetail, error) {
	var d CaseDetail
	var rtxt string
	err := c.db.QueryRowContext(ctx, `SELECT aip_id, case_id, COALESCE(title,''), COALESCE(public_title,''), COALESCE(classification,''),
		COALESCE(opened,''), COALESCE(closed,''), restricted, COALESCE(status,''), COALESCE(created,''), COALESCE(restriction,'')
		FROM cases WHERE tenant=? AND aip_id=? AND case_id=?`, tenant, aipID, caseID).
		Scan(&d.AIPID, &d.CaseID, &d.Title, &d.PublicTitle, &d.Classification, &d.Opened, &d.Closed, &d.Restricted, &d.Status, &d.Created, &rtxt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("case %q in AIP %q of %s: %w", caseID, aipID, tenant, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: case %q of %s: %w", caseID, tenant, err)
	}
	if d.Restriction, err = restriction(rtxt); err != nil {
		return nil, fmt.Errorf("catalog: case %q of %s: %w", caseID, tenant, err)
	}
	if d.Docs, err = c.documents(ctx, tenant, aipID, caseID, ""); err != nil {
		return nil, err
	}
	d.Documents = len(d.Docs)
	return &d, nil
}

// Document returns one document of tenant's case, or an error wrapping
// ErrNotFound.
func (c *Catalog) Document(ctx context.Context, tenant, aipID, caseID, docID string) (*DocumentItem, error) {
	docs, err := c.documents(ctx, tenant, aipID, caseID, docID)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("document %q of case %q of %s: %w", docID, caseID, tenant, ErrNotFound)
	}
	return &docs[0], nil
}

// documents reads a case's documents, or only docID's when it is not "".
func (c *Catalog) documents(ctx context.Context, tenant, aipID, caseID, docID string) ([]DocumentItem, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT aip_id, case_id, doc_id, COALESCE(title,''), COALESCE(public_title,''), COALESCE(type,''),
		COALESCE(date,''), restricted, COALESCE(restriction,''), COALESCE(files,'')
		FROM documents WHERE tenant=? AND aip_id=? AND case_id=? AND (?='' OR doc_id=?) ORDER BY doc_id`, tenant, aipID, caseID, docID, docID)
	if err != nil {
		return nil, fmt.Errorf("catalog: documents of case %q of %s: %w", caseID, tenant, err)
	}
	defer rows.Close()
	var out []DocumentItem
	for rows.Next() {
		var d DocumentItem
		var rtxt, files string
		if err := rows.Scan(&d.AIPID, &d.CaseID, &d.DocID, &d.Title, &d.PublicTitle, &d.Type, &d.Date, &d.Restricted, &rtxt, &files); err != nil {
			return nil, fmt.Errorf("catalog: documents of case %q of %s: %w", caseID, tenant, err)
		}
		if d.Restriction, err = restriction(rtxt); err != nil {
			return nil, fmt.Errorf("catalog: document %q of %s: %w", d.DocID, tenant, err)
		}
		if files != "" && files != "null" {
			if err := json.Unmarshal([]byte(files), &d.Files); err != nil {
				return nil, fmt.Errorf("catalog: files of document %q of %s: %w", d.DocID, tenant, err)
			}
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func restriction(s string) (*records.Restrict, error) {
	if s == "" {
		return nil, nil
	}
	var r records.Restrict
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return nil, fmt.Errorf("restriction %q: %w", s, err)
	}
	return &r, nil
}

// ReceiptItem is a delivery's receipt as the catalog keeps it (the full
// validation report stays with the queue's receipts).
type ReceiptItem struct {
	SubmissionID string
	PackageID    string
	AIPID        string
	Status       string
	Reason       string
	Files        int
	Bytes        int64
	Submitted    time.Time
	Finished     time.Time
}

// RecentReceipts lists tenant's latest receipts, newest first, at most limit.
func (c *Catalog) RecentReceipts(ctx context.Context, tenant string, limit int) ([]ReceiptItem, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT submission_id, COALESCE(package_id,''), COALESCE(aip_id,''), status, COALESCE(reason,''),
		COALESCE(files,0), COALESCE(bytes,0), COALESCE(submitted,''), COALESCE(finished,'')
		FROM receipts WHERE tenant=? ORDER BY finished DESC, submission_id LIMIT ?`, tenant, limit)
	if err != nil {
		return nil, fmt.Errorf("catalog: receipts of %s: %w", tenant, err)
	}
	defer rows.Close()
	var out []ReceiptItem
	for rows.Next() {
		var r ReceiptItem
		var sub, fin string
		if err := rows.Scan(&r.SubmissionID, &r.PackageID, &r.AIPID, &r.Status, &r.Reason, &r.Files, &r.Bytes, &sub, &fin); err != nil {
			return nil, fmt.Errorf("catalog: receipts of %s: %w", tenant, err)
		}
		r.Submitted, _ = time.Parse(time.RFC3339Nano, sub)
		r.Finished, _ = time.Parse(time.RFC3339Nano, fin)
		out = append(out, r)
	}
	return out, rows.Err()
}

// AIPFixity is the fixity state of one AIP: how many of its objects were
// checked, how many failed their last check, and when it was last audited.
type AIPFixity struct {
	AIPID      string
	Label      string
	Objects    int
	Verified   int       // objects whose last check passed
	Failed     int       // objects whose last check did not pass
	LastAudit  time.Time // the latest check of any of its objects; zero if none
	OldestGood time.Time // the oldest passing check: every passing object was checked since
}

// NotVerified is how many objects have never been checked.
func (f AIPFixity) NotVerified() int { return f.Objects - f.Verified - f.Failed }

// Fixity lists the fixity state of each of tenant's AIPs, oldest AIP first.
func (c *Catalog) Fixity(ctx context.Context, tenant string) ([]AIPFixity, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT a.aip_id, COALESCE(a.label,''),
		(SELECT COUNT(*) FROM objects o WHERE o.tenant=a.tenant AND o.aip_id=a.aip_id),
		(SELECT COUNT(*) FROM objects o JOIN verified v ON v.tenant=o.tenant AND v.key=o.key WHERE o.tenant=a.tenant AND o.aip_id=a.aip_id AND v.outcome='ok'),
		(SELECT COUNT(*) FROM objects o JOIN verified v ON v.tenant=o.tenant AND v.key=o.key WHERE o.tenant=a.tenant AND o.aip_id=a.aip_id AND v.outcome<>'ok'),
		COALESCE((SELECT MAX(v.time) FROM objects o JOIN verified v ON v.tenant=o.tenant AND v.key=o.key WHERE o.tenant=a.tenant AND o.aip_id=a.aip_id),''),
		COALESCE((SELECT MIN(v.time) FROM objects o JOIN verified v ON v.tenant=o.tenant AND v.key=o.key WHERE o.tenant=a.tenant AND o.aip_id=a.aip_id AND v.outcome='ok'),'')
		FROM aips a WHERE a.tenant=? ORDER BY a.created, a.aip_id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("catalog: fixity of %s: %w", tenant, err)
	}
	defer rows.Close()
	var out []AIPFixity
	for rows.Next() {
		var f AIPFixity
		var last, oldest string
		if err := rows.Scan(&f.AIPID, &f.Label, &f.Objects, &f.Verified, &f.Failed, &last, &oldest); err != nil {
			return nil, fmt.Errorf("catalog: fixity of %s: %w", tenant, err)
		}
		f.LastAudit, _ = time.Parse(time.RFC3339Nano, last)
		f.OldestGood, _ = time.Parse(time.RFC3339Nano, oldest)
		out = append(out, f)
	}
	return out, rows.Err()
}

// TenantCounts are counts of one tenant's holdings and their health, with
// no record metadata: what drift may see.
type TenantCounts struct {
	Tenant      string
	AIPs        int
	Objects     int
	NotVerified int
	Failed      int // objects whose last fixity check did not pass
	Rejected    int // deliveries rejected or failed
}

// Counts returns TenantCounts for each tenant the catalog holds, by id.
func (c *Catalog) Counts(ctx context.Context) ([]TenantCounts, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT t.tenant,
		(SELECT COUNT(*) FROM aips a WHERE a.tenant=t.tenant),
		(SELECT COUNT(*) FROM objects o WHERE o.tenant=t.tenant),
		(SELECT COUNT(*) FROM objects o WHERE o.tenant=t.tenant AND NOT EXISTS (SELECT 1 FROM verified v WHERE v.tenant=o.tenant AND v.key=o.key)),
		(SELECT COUNT(*) FROM objects o JOIN verified v ON v.tenant=o.tenant AND v.key=o.key WHERE o.tenant=t.tenant AND v.outcome<>'ok'),
		(SELECT COUNT(*) FROM receipts r WHERE r.tenant=t.tenant AND r.status IN ('rejected','failed'))
		FROM (SELECT tenant FROM aips UNION SELECT tenant FROM receipts) t ORDER BY t.tenant`)
	if err != nil {
		return nil, fmt.Errorf("catalog: counts: %w", err)
	}
	defer rows.Close()
	var out []TenantCounts
	for rows.Next() {
		var n TenantCounts
		if err := rows.Scan(&n.Tenant, &n.AIPs, &n.Objects, &n.NotVerified, &n.Failed, &n.Rejected); err != nil {
			return nil, fmt.Errorf("catalog: counts: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Package catalog is the searchable projection of AIPs, receipts and events
// in an embedded SQLite database. It is a cache: Rebuild reproduces it from
// the AIP manifests in the buckets, so losing it loses nothing.
//
// Every read takes a tenant id and every query filters on it; there is no
// cross-tenant read in this package.
package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
	"slices"
	"time"

	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/earkiv"
)

// Catalog is safe for concurrent use.
type Catalog struct {
	db    *sql.DB
	stmts map[string]*sql.Stmt // the writes, prepared
	// Observe, if set before Follow, sees every event the projection applies
	// (metrics that must count events from every process, such as audits run
	// from the command line).
	Observe func(earkiv.Event)
}

const schema = `
CREATE TABLE IF NOT EXISTS aips (
	tenant TEXT NOT NULL, aip_id TEXT NOT NULL, package_id TEXT NOT NULL, submission_id TEXT NOT NULL,
	family TEXT, profile TEXT, label TEXT, archivist TEXT, creator TEXT, submitter TEXT,
	created TEXT NOT NULL, digest TEXT NOT NULL, files INTEGER, bytes INTEGER,
	retain_until TEXT, retention_mode TEXT, legal_hold INTEGER, manifest TEXT NOT NULL,
	PRIMARY KEY (tenant, aip_id));
CREATE UNIQUE INDEX IF NOT EXISTS aips_package ON aips(tenant, package_id);
CREATE TABLE IF NOT EXISTS objects (
	tenant TEXT NOT NULL, aip_id TEXT NOT NULL, key TEXT NOT NULL, path TEXT, role TEXT,
	size INTEGER, sha256 TEXT, version_id TEXT, last_verified TEXT,
	PRIMARY KEY (tenant, key));
CREATE INDEX IF NOT EXISTS objects_aip ON objects(tenant, aip_id);
CREATE TABLE IF NOT EXISTS cases (
	tenant TEXT NOT NULL, aip_id TEXT NOT NULL, case_id TEXT NOT NULL, title TEXT, public_title TEXT,
	status TEXT, classification TEXT, created TEXT, opened TEXT, closed TEXT,
	restricted INTEGER NOT NULL, restriction TEXT,
	PRIMARY KEY (tenant, aip_id, case_id));
CREATE TABLE IF NOT EXISTS documents (
	tenant TEXT NOT NULL, aip_id TEXT NOT NULL, case_id TEXT NOT NULL, doc_id TEXT NOT NULL, title TEXT,
	public_title TEXT, type TEXT, date TEXT, restricted INTEGER NOT NULL, restriction TEXT, files TEXT,
	PRIMARY KEY (tenant, aip_id, case_id, doc_id));
CREATE TABLE IF NOT EXISTS receipts (
	tenant TEXT NOT NULL, submission_id TEXT NOT NULL, package_id TEXT, aip_id TEXT, status TEXT NOT NULL,
	reason TEXT, files INTEGER, bytes INTEGER, submitted TEXT, finished TEXT,
	PRIMARY KEY (tenant, submission_id));
CREATE TABLE IF NOT EXISTS events (
	seq INTEGER PRIMARY KEY, tenant TEXT NOT NULL, id TEXT NOT NULL, time TEXT NOT NULL, type TEXT NOT NULL,
	submission_id TEXT, package_id TEXT, aip_id TEXT, outcome TEXT, detail TEXT);
CREATE INDEX IF NOT EXISTS events_tenant ON events(tenant, seq);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS verified (
	tenant TEXT NOT NULL, key TEXT NOT NULL, time TEXT NOT NULL, outcome TEXT NOT NULL, run TEXT,
	PRIMARY KEY (tenant, key));
`

// Open opens (creating if needed) the catalog at path; ":memory:" for tests.
func Open(ctx context.Context, path string) (*Catalog, error) {
	// The catalog holds case titles and restrictions: readable by the
	// service user only. SQLite gives the -wal and -shm files the mode of
	// the database file, so creating that one private is enough.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	db.SetMaxOpenConns(1) // SQLite has one writer; one connection avoids SQLITE_BUSY between our own goroutines
	if _, err := db.ExecContext(ctx, schema); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("catalog %s: schema: %w", path, err)
	}
	c := &Catalog{db: db, stmts: map[string]*sql.Stmt{}}
	for _, q := range writes {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("catalog %s: prepare %q: %w", path, q, err)
		}
		c.stmts[q] = st
	}
	return c, nil
}

// Close closes the database.
func (c *Catalog) Close() error {
	for _, st := range c.stmts {
		st.Close()
	}
	return c.db.Close()
}

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
	"SAVEPOINT event", "ROLLBACK TO event", "RELEASE event",
})

// deleteAIPRows remove an AIP's rows before its manifest is written again.
var deleteAIPRows = []string{
	"DELETE FROM aips WHERE tenant=? AND aip_id=?",
	"DELETE FROM objects WHERE tenant=? AND aip_id=?",
	"DELETE FROM cases WHERE tenant=? AND aip_id=?",
	"DELETE FROM documents WHERE tenant=? AND aip_id=?",
}

const (
	insertAIP      = `INSERT INTO aips VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`
	insertObject   = `INSERT INTO objects VALUES (?,?,?,?,?,?,?,?,NULL)`
	insertCase     = `INSERT OR REPLACE INTO cases VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`
	insertDocument = `INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?)`
	insertReceipt  = `INSERT OR REPLACE INTO receipts VALUES (?,?,?,?,?,?,?,?,?,?)`
	insertEvent    = `INSERT OR IGNORE INTO events VALUES (?,?,?,?,?,?,?,?,?,?)`
	insertState    = `INSERT OR REPLACE INTO state VALUES (?,?)`
)

// inTx runs f in a transaction, committed if f succeeds.
func (c *Catalog) inTx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	return nil
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
	return nil
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

func restrictionOf(r interface{}) (bool, string) {
	b, _ := json.Marshal(r)
	if string(b) == "null" {
		return false, ""
	}
	return true, string(b)
}

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

// SetVerified records a fixity check of an object. Kept apart from the AIP
// rows, so rebuilding those from the buckets keeps the audit history.
func (c *Catalog) SetVerified(ctx context.Context, tenant, key string, at time.Time, outcome, run string) error {
	_, err := c.db.ExecContext(ctx, `INSERT OR REPLACE INTO verified VALUES (?,?,?,?,?)`, tenant, key, at.UTC().Format(time.RFC3339Nano), outcome, run)
	if err != nil {
		return fmt.Errorf("catalog: verified %s: %w", key, err)
	}
	return nil
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

// Rebuild replaces tenant's AIP rows with the manifests given (read from the
// tenant's bucket), in one transaction: a failed rebuild changes nothing.
// Receipts and events are not in the buckets and stay.
func (c *Catalog) Rebuild(ctx context.Context, tenant string, manifests iter.Seq2[*aip.Manifest, error]) (int, error) {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("catalog: %w", err)
	}
	defer tx.Rollback()
	for _, q := range []string{"DELETE FROM aips", "DELETE FROM objects", "DELETE FROM cases", "DELETE FROM documents"} {
		if _, err := tx.ExecContext(ctx, q+" WHERE tenant=?", tenant); err != nil {
			return 0, fmt.Errorf("catalog: %w", err)
		}
	}
	n := 0
	for m, err := range manifests {
		if err != nil {
			return n, err
		}
		if m.Tenant != tenant {
			return n, fmt.Errorf("catalog: manifest of AIP %s names tenant %q, found in %s's bucket", m.AIPID, m.Tenant, tenant)
		}
		if err := putAIP(ctx, c.on(tx), m); err != nil {
			return n, err
		}
		n++
	}
	if err := tx.Commit(); err != nil {
		return n, fmt.Errorf("catalog: %w", err)
	}
	return n, nil
}

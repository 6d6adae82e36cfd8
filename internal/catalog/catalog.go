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
	"fmt"
	"os"

	_ "modernc.org/sqlite" // database/sql driver "sqlite"

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
	if _, err := db.ExecContext(ctx, schema+retentionSchema+disposalSchema); err != nil {
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

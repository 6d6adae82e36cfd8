package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/holds"
	"github.com/earkiv/earkiv/internal/ihp"
	"github.com/earkiv/earkiv/internal/plans"
	"github.com/earkiv/earkiv/internal/records"
)

// retentionSchema holds what the plan decides: one outcome row per case
// (doc_id ”) and per document, with the facts its rules match on, and
// the plan versions and holds as their events carry them.
const retentionSchema = `
CREATE TABLE IF NOT EXISTS outcomes (
	tenant TEXT NOT NULL, aip_id TEXT NOT NULL, case_id TEXT NOT NULL, doc_id TEXT NOT NULL,
	class TEXT, case_type TEXT, doc_type TEXT, closed TEXT, legal_force TEXT, doc_date TEXT, creator TEXT,
	outcome TEXT NOT NULL, date TEXT, plan TEXT, rule TEXT, review TEXT, basis TEXT NOT NULL,
	PRIMARY KEY (tenant, aip_id, case_id, doc_id));
CREATE INDEX IF NOT EXISTS outcomes_date ON outcomes(tenant, outcome, date);
CREATE INDEX IF NOT EXISTS outcomes_case ON outcomes(tenant, case_id);
CREATE TABLE IF NOT EXISTS plans (tenant TEXT NOT NULL, id TEXT NOT NULL, number INTEGER NOT NULL, data TEXT NOT NULL,
	PRIMARY KEY (tenant, id));
CREATE TABLE IF NOT EXISTS holds (tenant TEXT NOT NULL, id TEXT NOT NULL, placed TEXT NOT NULL, active INTEGER NOT NULL, data TEXT NOT NULL,
	PRIMARY KEY (tenant, id));
`

const (
	insertOutcome = `INSERT OR REPLACE INTO outcomes VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`
	updateOutcome = `UPDATE outcomes SET outcome=?, date=?, plan=?, rule=?, review=?, basis=? WHERE tenant=? AND aip_id=? AND case_id=? AND doc_id=?`
	upsertPlan    = `INSERT OR REPLACE INTO plans VALUES (?,?,?,?)`
	upsertHold    = `INSERT OR REPLACE INTO holds VALUES (?,?,?,?,?)`
)

// putOutcomes writes the outcome rows of m's cases. An AIP from before
// plans (no outcomes in its manifest) gets bevaras rows with no plan,
// which re-evaluation under the plan in force then decides.
func putOutcomes(ctx context.Context, w writer, m *aip.Manifest) error {
	byCase := map[string]ihp.CaseOutcome{}
	for _, o := range m.Outcomes {
		byCase[o.Case] = o
	}
	creator := m.CreatorName()
	for _, cs := range m.Cases {
		co, ok := byCase[cs.ID]
		if !ok {
			co = unappraised(cs)
		}
		docs := map[string]ihp.Outcome{}
		for _, d := range co.Documents {
			docs[d.Document] = d.Outcome
		}
		if err := putOutcome(ctx, w, m.Tenant, m.AIPID, cs, nil, creator, co.Outcome); err != nil {
			return err
		}
		for i := range cs.Documents {
			d := &cs.Documents[i]
			o, ok := docs[d.ID]
			if !ok {
				o = co.Outcome
			}
			if err := putOutcome(ctx, w, m.Tenant, m.AIPID, cs, d, creator, o); err != nil {
				return err
			}
		}
	}
	return nil
}

// unappraised is the outcome of a case archived before any plan.
func unappraised(cs records.Case) ihp.CaseOutcome {
	keep := ihp.Outcome{Outcome: ihp.Bevaras, Review: "arkiverad innan en plan gällde"}
	co := ihp.CaseOutcome{Case: cs.ID, Outcome: keep}
	for _, d := range cs.Documents {
		co.Documents = append(co.Documents, ihp.DocumentOutcome{Document: d.ID, Outcome: keep})
	}
	return co
}

func putOutcome(ctx context.Context, w writer, tenant, aipID string, cs records.Case, d *records.Document, creator string, o ihp.Outcome) error {
	basis, err := json.Marshal(o)
	if err != nil {
		return err
	}
	docID, docType, docDate := "", "", ""
	if d != nil {
		docID, docType, docDate = d.ID, d.Type, d.Date
	}
	if _, err := w.exec(ctx, insertOutcome, tenant, aipID, cs.ID, docID, cs.Classification, cs.CaseType, docType, cs.Closed, cs.LegalForce, docDate, creator,
		string(o.Outcome), o.Date, o.Basis.Plan, o.Basis.Rule, o.Review, string(basis)); err != nil {
		return fmt.Errorf("catalog: outcome of %s %s: %w", cs.ID, docID, err)
	}
	return nil
}

// Change is a new outcome for one record (Document "" for the case).
type Change struct {
	AIP      string      `json:"aip"`
	Case     string      `json:"case"`
	Document string      `json:"document,omitempty"`
	Old      ihp.Outcome `json:"old"`
	New      ihp.Outcome `json:"new"`
}

// Changes is what a retention.changed event carries.
type Changes struct {
	Plan    string   `json:"plan"`
	Changes []Change `json:"changes"`
}

// applyRetention projects the events of plans, holds and changed outcomes.
func applyRetention(ctx context.Context, w writer, e earkiv.Event) error {
	switch e.Type {
	case earkiv.PlanImported, earkiv.PlanActivated:
		var v plans.Version
		if err := json.Unmarshal(e.Data, &v); err != nil || v.Tenant != e.Tenant {
			return fmt.Errorf("catalog: %s event %d: not a plan version of %s (%v)", e.Type, e.Seq, e.Tenant, err)
		}
		_, err := w.exec(ctx, upsertPlan, e.Tenant, v.ID, v.Number, string(e.Data))
		return err
	case earkiv.HoldPlaced, earkiv.HoldLifted:
		var h holds.Hold
		if err := json.Unmarshal(e.Data, &h); err != nil || h.Tenant != e.Tenant {
			return fmt.Errorf("catalog: %s event %d: not a hold of %s (%v)", e.Type, e.Seq, e.Tenant, err)
		}
		_, err := w.exec(ctx, upsertHold, e.Tenant, h.ID, h.Placed.UTC().Format("2006-01-02T15:04:05.000000000Z"), h.Active(), string(e.Data))
		return err
	case earkiv.RetentionChanged:
		var cs Changes
		if err := json.Unmarshal(e.Data, &cs); err != nil {
			return fmt.Errorf("catalog: %s event %d: %w", e.Type, e.Seq, err)
		}
		for _, c := range cs.Changes {
			basis, err := json.Marshal(c.New)
			if err != nil {
				return err
			}
			if _, err := w.exec(ctx, updateOutcome, string(c.New.Outcome), c.New.Date, c.New.Basis.Plan, c.New.Basis.Rule, c.New.Review, string(basis),
				e.Tenant, c.AIP, c.Case, c.Document); err != nil {
				return fmt.Errorf("catalog: outcome of %s: %w", c.Case, err)
			}
		}
	}
	return nil
}

// isRetentionEvent tells the events applyRetention projects.
func isRetentionEvent(t earkiv.EventType) bool {
	switch t {
	case earkiv.PlanImported, earkiv.PlanActivated, earkiv.HoldPlaced, earkiv.HoldLifted, earkiv.RetentionChanged:
		return true
	}
	return false
}

// Plans returns the tenant's plan versions by number.
func (c *Catalog) Plans(ctx context.Context, tenant string) ([]*plans.Version, error) {
	return decodeRows[plans.Version](ctx, c.db, `SELECT data FROM plans WHERE tenant=? ORDER BY number`, tenant)
}

// Holds returns the tenant's holds, newest first.
func (c *Catalog) Holds(ctx context.Context, tenant string) ([]*holds.Hold, error) {
	return decodeRows[holds.Hold](ctx, c.db, `SELECT data FROM holds WHERE tenant=? ORDER BY placed DESC`, tenant)
}

// ActiveHolds returns the tenant's holds not lifted.
func (c *Catalog) ActiveHolds(ctx context.Context, tenant string) ([]*holds.Hold, error) {
	return decodeRows[holds.Hold](ctx, c.db, `SELECT data FROM holds WHERE tenant=? AND active ORDER BY placed DESC`, tenant)
}

func decodeRows[T any](ctx context.Context, db *sql.DB, q string, args ...any) ([]*T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		v := new(T)
		if err := json.Unmarshal([]byte(raw), v); err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Record is one case or document with its outcome, as retention shows it.
type Record struct {
	AIP       string      `json:"aip"`
	PackageID string      `json:"packageId"`
	Case      string      `json:"case"`
	Document  string      `json:"document,omitempty"`
	Class     string      `json:"class,omitempty"`
	CaseType  string      `json:"caseType,omitempty"`
	DocType   string      `json:"docType,omitempty"`
	Closed    string      `json:"closed,omitempty"`
	Creator   string      `json:"creator,omitempty"`
	Outcome   ihp.Outcome `json:"outcome"`
	Holds     []string    `json:"holds,omitempty"` // active gallringsstopp covering it
	// List and DueDate are set on a disposed record: the gallring list
	// that disposed of it and the disposal date it had.
	List    string `json:"list,omitempty"`
	DueDate string `json:"dueDate,omitempty"`
	// Plan facts the rules match on, for re-evaluation.
	legalForce, docDate string
}

// Target is the record as holds see it.
func (r *Record) Target() holds.Target {
	return holds.Target{AIP: r.AIP, Case: r.Case, Class: r.Class, CaseType: r.CaseType, Creator: r.Creator, Closed: r.Closed}
}

const recordCols = `o.aip_id, a.package_id, o.case_id, o.doc_id, COALESCE(o.class,''), COALESCE(o.case_type,''), COALESCE(o.doc_type,''),
	COALESCE(o.closed,''), COALESCE(o.creator,''), COALESCE(o.legal_force,''), COALESCE(o.doc_date,''), o.basis
	FROM outcomes o JOIN aips a ON a.tenant=o.tenant AND a.aip_id=o.aip_id`

// records runs a query of outcome rows and marks each with the holds
// covering it.
func (c *Catalog) records(ctx context.Context, tenant, where string, args ...any) ([]Record, error) {
	hs, err := c.ActiveHolds(ctx, tenant)
	if err != nil {
		return nil, err
	}
	rows, err := c.db.QueryContext(ctx, `SELECT `+recordCols+` WHERE o.tenant=? `+where+` ORDER BY o.case_id, o.aip_id, o.doc_id`, append([]any{tenant}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		var basis string
		if err := rows.Scan(&r.AIP, &r.PackageID, &r.Case, &r.Document, &r.Class, &r.CaseType, &r.DocType, &r.Closed, &r.Creator, &r.legalForce, &r.docDate, &basis); err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		if err := json.Unmarshal([]byte(basis), &r.Outcome); err != nil {
			return nil, fmt.Errorf("catalog: outcome of %s: %w", r.Case, err)
		}
		t := r.Target()
		for _, h := range hs {
			if h.Covers(t) {
				r.Holds = append(r.Holds, h.ID)
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Retention returns the outcomes of an AIP's records, or of a case's
// (by diarienummer) in whichever AIPs hold it.
func (c *Catalog) Retention(ctx context.Context, tenant, aipOrCase string) ([]Record, error) {
	live, err := c.records(ctx, tenant, `AND (o.aip_id=? OR o.case_id=?)`, aipOrCase, aipOrCase)
	if err != nil {
		return nil, err
	}
	gone, err := c.Tombstones(ctx, tenant, aipOrCase)
	return append(live, gone...), err
}

// Due returns records to be gallrade on or before day that no hold stops.
func (c *Catalog) Due(ctx context.Context, tenant, day string) ([]Record, error) {
	rs, err := c.records(ctx, tenant, `AND o.outcome='gallras' AND o.date<>'' AND o.date<=? AND COALESCE(o.review,'')=''`, day)
	return slices.DeleteFunc(rs, func(r Record) bool { return len(r.Holds) > 0 }), err
}

// Review returns records an archivist must look at: no rule matched, the
// frist is vid inaktualitet, or a date the rule counts from is missing.
func (c *Catalog) Review(ctx context.Context, tenant string) ([]Record, error) {
	return c.records(ctx, tenant, `AND COALESCE(o.review,'')<>''`)
}

// Held returns the records the hold covers (active or not).
func (c *Catalog) Held(ctx context.Context, tenant string, h *holds.Hold) ([]Record, error) {
	var where string
	var args []any
	switch s := h.Scope; {
	case s.AIP != "":
		where, args = `AND o.aip_id=?`, []any{s.AIP}
	case s.Case != "":
		where, args = `AND o.case_id=?`, []any{s.Case}
	}
	rs, err := c.records(ctx, tenant, `AND o.doc_id='' `+where, args...)
	return slices.DeleteFunc(rs, func(r Record) bool { return !h.Scope.Covers(r.Target()) }), err
}

// Appraisable is a case as re-evaluation needs it: the facts its rules
// match on and the outcomes it has now.
type Appraisable struct {
	AIP     string
	Case    records.Case
	Current ihp.CaseOutcome
	// Override holds an archivist's outcome beside the plan, by document
	// ("" for the case): it wins over what the plan says.
	Override map[string]ihp.Outcome
}

// Appraisables returns every case of the tenant with its documents and
// current outcomes, in AIP order.
func (c *Catalog) Appraisables(ctx context.Context, tenant string) ([]Appraisable, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT o.aip_id, o.case_id, o.doc_id, COALESCE(o.class,''), COALESCE(o.case_type,''), COALESCE(o.doc_type,''),
		COALESCE(o.closed,''), COALESCE(o.legal_force,''), COALESCE(o.doc_date,''), o.basis, COALESCE(v.outcome,'')
		FROM outcomes o LEFT JOIN overrides v ON v.tenant=o.tenant AND v.aip_id=o.aip_id AND v.case_id=o.case_id AND v.doc_id=o.doc_id
		WHERE o.tenant=? ORDER BY o.aip_id, o.case_id, o.doc_id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	defer rows.Close()
	var out []Appraisable
	for rows.Next() {
		var aipID, caseID, docID, class, caseType, docType, closed, legal, docDate, basis, over string
		if err := rows.Scan(&aipID, &caseID, &docID, &class, &caseType, &docType, &closed, &legal, &docDate, &basis, &over); err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		var o ihp.Outcome
		if err := json.Unmarshal([]byte(basis), &o); err != nil {
			return nil, fmt.Errorf("catalog: outcome of %s: %w", caseID, err)
		}
		if n := len(out); n == 0 || out[n-1].AIP != aipID || out[n-1].Case.ID != caseID {
			out = append(out, Appraisable{AIP: aipID, Case: records.Case{ID: caseID, Classification: class, CaseType: caseType, Closed: closed, LegalForce: legal},
				Current: ihp.CaseOutcome{Case: caseID}})
		}
		a := &out[len(out)-1]
		if over != "" {
			var ov ihp.Outcome
			if err := json.Unmarshal([]byte(over), &ov); err != nil {
				return nil, fmt.Errorf("catalog: override of %s: %w", caseID, err)
			}
			if a.Override == nil {
				a.Override = map[string]ihp.Outcome{}
			}
			a.Override[docID] = ov
		}
		if docID == "" {
			a.Current.Outcome = o
			continue
		}
		a.Case.Documents = append(a.Case.Documents, records.Document{ID: docID, Type: docType, Date: docDate})
		a.Current.Documents = append(a.Current.Documents, ihp.DocumentOutcome{Document: docID, Outcome: o})
	}
	return out, rows.Err()
}

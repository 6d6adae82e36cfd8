package ihp

import (
	"time"

	"github.com/earkiv/earkiv/internal/records"
)

// CaseOutcome is the plan's verdict on a case and each of its documents.
type CaseOutcome struct {
	Case      string            `json:"case"`
	Outcome   Outcome           `json:"outcome"`
	Documents []DocumentOutcome `json:"documents,omitempty"`
}

// DocumentOutcome is the verdict on one document of a case.
type DocumentOutcome struct {
	Document string  `json:"document"`
	Outcome  Outcome `json:"outcome"`
}

// Outcome is what happens to one record, with the basis that explains it
// later: which rule of which plan version, counted from what.
type Outcome struct {
	Outcome Action `json:"outcome"`          // bevaras | gallras
	Date    string `json:"date,omitempty"`   // disposal date YYYY-MM-DD, gallras only
	Basis   Basis  `json:"basis"`            //
	Review  string `json:"review,omitempty"` // why an archivist must look, in Swedish; set => Outcome is bevaras
}

// Basis records why an outcome is what it is, so a verdict can be explained
// from what the archive keeps.
type Basis struct {
	Rule        string  `json:"rule,omitempty"`
	Plan        string  `json:"plan,omitempty"`
	Trigger     Trigger `json:"trigger,omitempty"`
	TriggerDate string  `json:"triggerDate,omitempty"`
	Frist       string  `json:"frist,omitempty"`
	Decision    string  `json:"decision,omitempty"`
	Law         string  `json:"law,omitempty"`
}

// Reasons for review, as Outcome.Review gives them.
const (
	ReviewNoRule       = "ingen regel i planen matchar"
	ReviewInaktualitet = "gallras vid inaktualitet: bedöm när"
	ReviewNoFrist      = "regeln saknar gallringsfrist"
)

const dateLayout = "2006-01-02"

// Evaluate gives a case and each of its documents an outcome under the plan
// rs, whose version is recorded in each basis. The case is matched on its
// klass and ärendetyp, each document also on its handlingstyp. Where the
// plan does not decide (no rule, a frist vid inaktualitet, no date to count
// from), the outcome is bevaras with Review saying why.
func Evaluate(rs Rules, version string, c records.Case) CaseOutcome {
	out := CaseOutcome{Case: c.ID}
	caseSubject := Subject{Class: c.Classification, CaseType: c.CaseType}
	out.Outcome = decide(rs, version, caseSubject, func(t Trigger) (string, string) { return caseTriggerDate(c, t) })
	for _, d := range c.Documents {
		s := caseSubject
		s.DocType, s.Document = d.Type, true
		o := decide(rs, version, s, func(t Trigger) (string, string) { return docTriggerDate(c, d, t) })
		out.Documents = append(out.Documents, DocumentOutcome{Document: d.ID, Outcome: o})
	}
	return out
}

// dateFunc gives the raw date a trigger counts from for one record, and the
// name of that date for a message when it is missing.
type dateFunc func(Trigger) (raw, name string)

// decide is the outcome for one record, whose dates date gives.
func decide(rs Rules, version string, s Subject, date dateFunc) Outcome {
	r, ok := rs.Match(s)
	if !ok {
		return Outcome{Outcome: Bevaras, Basis: Basis{Plan: version}, Review: ReviewNoRule}
	}
	b := Basis{Rule: r.ID, Plan: version, Decision: r.Decision, Law: r.Law}
	if r.Action != Gallras {
		return Outcome{Outcome: Bevaras, Basis: b}
	}
	b.Trigger, b.Frist = r.From.effective(), r.Frist.String()
	review := func(why string) Outcome { return Outcome{Outcome: Bevaras, Basis: b, Review: why} }
	if !r.Frist.IsSet() {
		return review(ReviewNoFrist)
	}
	if r.Frist.Inaktualitet { // no date decides it: a person does
		b.Trigger = ""
		return review(ReviewInaktualitet)
	}
	raw, name := date(b.Trigger)
	if raw == "" {
		return review("datum saknas för " + name)
	}
	t, ok := parseDate(raw)
	if !ok {
		return review("datum för " + name + " går inte att läsa: " + raw)
	}
	if b.Trigger == YearEnd {
		t = time.Date(t.Year(), 12, 31, 0, 0, 0, 0, time.UTC)
	}
	b.TriggerDate = t.Format(dateLayout)
	return Outcome{Outcome: Gallras, Date: r.Frist.Period.AddTo(t).Format(dateLayout), Basis: b}
}

// caseTriggerDate is the date the case itself counts from: for
// DocumentDate, its latest document's date, else its closing.
func caseTriggerDate(c records.Case, t Trigger) (string, string) {
	switch t {
	case DocumentDate:
		latest, raw := time.Time{}, ""
		for _, d := range c.Documents {
			if dt, ok := parseDate(d.Date); ok && dt.After(latest) {
				latest, raw = dt, d.Date
			}
		}
		if raw != "" {
			return raw, "handlingarnas datum"
		}
		return c.Closed, "ärendets avslut"
	case LegalForce:
		return c.LegalForce, "laga kraft"
	}
	return c.Closed, "ärendets avslut" // CaseClosed, YearEnd
}

// docTriggerDate is the date a document counts from: its own date for
// DocumentDate, else its case's.
func docTriggerDate(c records.Case, d records.Document, t Trigger) (string, string) {
	if t == DocumentDate {
		return d.Date, "handlingens datum"
	}
	return caseTriggerDate(c, t)
}

// parseDate reads the date part of "2020-05-30", "2020-05-30T00:00:00" or
// one with a zone: a record's date is a calendar day wherever it was made.
func parseDate(s string) (time.Time, bool) {
	if len(s) < len(dateLayout) {
		return time.Time{}, false
	}
	if len(s) > len(dateLayout) && s[len(dateLayout)] >= '0' && s[len(dateLayout)] <= '9' {
		return time.Time{}, false
	}
	t, err := time.Parse(dateLayout, s[:len(dateLayout)])
	return t, err == nil
}

// Text is the outcome in one Swedish line for the UI: "Gallras 2031-12-31
// enligt regel 2.3.1, beslut KS 2019/123 § 45", "Bevaras enligt regel 1.1",
// "Bevaras: ingen regel i planen matchar (granskas)".
func (o Outcome) Text() string {
	switch {
	case o.Review != "":
		s := "Bevaras: " + o.Review + " ("
		if o.Basis.Rule != "" {
			s += "regel " + o.Basis.Rule + ", "
		}
		return s + "granskas)"
	case o.Outcome == Gallras:
		s := "Gallras " + o.Date + " enligt regel " + o.Basis.Rule
		if o.Basis.Decision != "" {
			s += ", beslut " + o.Basis.Decision
		}
		return s
	case o.Basis.Rule != "":
		return "Bevaras enligt regel " + o.Basis.Rule
	}
	return "Bevaras"
}

// Later reports whether o keeps the record at least as long as p: bevaras
// (and anything under review) is longest, then the later disposal date. It
// picks the longest-lived record of several, e.g. for a case whose
// documents have their own rules.
func (o Outcome) Later(p Outcome) bool { return o.until() >= p.until() }

// until is the disposal date, "~" (after every date) when the record is
// kept or its date is unknown.
func (o Outcome) until() string {
	if o.Outcome != Gallras || o.Review != "" || o.Date == "" {
		return "~"
	}
	return o.Date
}

package ihp

import (
	"fmt"
	"strings"
)

// Action is what the plan says happens to a record: it is kept for ever
// (bevaras) or destroyed after its frist (gallras).
type Action string

const (
	Bevaras Action = "bevaras"
	Gallras Action = "gallras"
)

// parseAction reads an Åtgärd cell: "Bevaras", "GALLRAS", or the short "B"
// and "G" some plans use.
func parseAction(s string) (Action, bool) {
	switch foldKey(s) {
	case "bevaras", "bevara", "b":
		return Bevaras, true
	case "gallras", "gallra", "g":
		return Gallras, true
	}
	return "", false
}

// Trigger is the event a gallringsfrist is counted from (Räknas från).
type Trigger string

const (
	CaseClosed   Trigger = "ärendets avslut" // the default when a plan says nothing
	DocumentDate Trigger = "handlingens datum"
	YearEnd      Trigger = "kalenderårets slut"
	LegalForce   Trigger = "laga kraft"
)

// triggers are the values a plan may use, in the order error messages name
// them.
var triggers = []Trigger{CaseClosed, DocumentDate, YearEnd, LegalForce}

const triggerForms = "ärendets avslut, handlingens datum, kalenderårets slut eller laga kraft"

// parseTrigger reads a Räknas från cell. Empty is the default, CaseClosed.
func parseTrigger(s string) (Trigger, bool) {
	switch foldKey(s) {
	case "", "arendetsavslut", "arendetsavslutande", "avslut", "avslutatarende":
		return CaseClosed, true
	case "handlingensdatum", "handlingsdatum", "dokumentdatum":
		return DocumentDate, true
	case "kalenderaretsslut", "kalenderarsslut", "aretsslut", "kalenderar":
		return YearEnd, true
	case "lagakraft", "beslutetslagakraft", "lagakraftvunnetbeslut":
		return LegalForce, true
	}
	return "", false
}

// effective is the trigger in force: empty means CaseClosed.
func (t Trigger) effective() Trigger {
	if t == "" {
		return CaseClosed
	}
	return t
}

// Rule is one line of the plan.
type Rule struct {
	ID           string  `json:"id"`                     // Regel, e.g. "2.3.1", unique in a plan
	Class        string  `json:"class,omitempty"`        // Klass (classification code); empty = any
	CaseType     string  `json:"caseType,omitempty"`     // Ärendetyp; empty = any
	DocType      string  `json:"docType,omitempty"`      // Handlingstyp; empty = the case itself / any
	Exception    bool    `json:"exception,omitempty"`    // Undantag: an exception rule beats a default one
	Action       Action  `json:"action"`                 // Åtgärd
	Frist        Frist   `json:"frist"`                  // Gallringsfrist; zero for bevaras
	From         Trigger `json:"from,omitempty"`         // Räknas från; empty = ärendets avslut
	Decision     string  `json:"decision,omitempty"`     // Beslut: the gallringsbeslut, e.g. "KS 2019-05-12 § 45, dnr KS 2019/123"
	Law          string  `json:"law,omitempty"`          // Lagrum
	Secrecy      string  `json:"secrecy,omitempty"`      // Sekretess
	PersonalData string  `json:"personalData,omitempty"` // Personuppgifter
	Note         string  `json:"note,omitempty"`         // Anmärkning
}

// Rules is a plan: its rules in the order the plan gives them.
type Rules []Rule

// String names the rule for logs and messages.
func (r Rule) String() string {
	var crit []string
	for _, c := range []struct{ name, v string }{{"klass", r.Class}, {"ärendetyp", r.CaseType}, {"handlingstyp", r.DocType}} {
		if c.v != "" {
			crit = append(crit, fmt.Sprintf("%s %s", c.name, c.v))
		}
	}
	s := "regel " + r.ID
	if len(crit) > 0 {
		s += " (" + strings.Join(crit, ", ") + ")"
	}
	return s
}

// Column names as a plan's header spells them; Problem.Column and
// RuleChange.Fields use these, so a person finds the cell.
const (
	colID           = "Regel"
	colClass        = "Klass"
	colCaseType     = "Ärendetyp"
	colDocType      = "Handlingstyp"
	colException    = "Undantag"
	colAction       = "Åtgärd"
	colFrist        = "Gallringsfrist"
	colFrom         = "Räknas från"
	colDecision     = "Beslut"
	colLaw          = "Lagrum"
	colSecrecy      = "Sekretess"
	colPersonalData = "Personuppgifter"
	colNote         = "Anmärkning"
)

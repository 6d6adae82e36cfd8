package ihp

import (
	"fmt"
	"regexp"
	"strings"
)

// field is a column of a plan, as a table header or a native key names it.
type field int

const (
	fID field = iota
	fClass
	fCaseType
	fDocType
	fException
	fAction
	fFrist
	fFrom
	fDecision
	fLaw
	fSecrecy
	fPersonalData
	fNote
	nFields
)

// fieldCols are the Swedish column names, fieldKeys the native keys (the
// JSON names of Rule's fields).
var (
	fieldCols = [nFields]string{colID, colClass, colCaseType, colDocType, colException, colAction, colFrist, colFrom, colDecision, colLaw, colSecrecy, colPersonalData, colNote}
	fieldKeys = [nFields]string{"id", "class", "caseType", "docType", "exception", "action", "frist", "from", "decision", "law", "secrecy", "personalData", "note"}
)

// headers maps a folded header (foldKey) to its field: the names plans use
// for each column.
var headers = map[string]field{
	"regel": fID, "regelnr": fID, "regelnummer": fID, "nr": fID,
	"klass": fClass, "klassificering": fClass, "klasskod": fClass, "klassificeringskod": fClass,
	"arendetyp":    fCaseType,
	"handlingstyp": fDocType,
	"undantag":     fException,
	"atgard":       fAction, "bevarasgallras": fAction, "bevarasellergallras": fAction,
	"gallringsfrist": fFrist, "frist": fFrist,
	"raknasfran": fFrom, "fristenraknasfran": fFrom,
	"beslut": fDecision, "gallringsbeslut": fDecision,
	"lagrum":          fLaw,
	"sekretess":       fSecrecy,
	"personuppgifter": fPersonalData,
	"anmarkning":      fNote, "anmarkningar": fNote,
}

// synonyms names the other headers a required column may have, for the
// message that says it is missing.
var synonyms = map[field]string{
	fID:     "Regel, Regelnr eller Nr",
	fAction: "Åtgärd eller Bevaras/Gallras",
}

// entry is one rule as read, before its cells are understood: a table row
// or a native rule object.
type entry struct {
	row   int
	cells [nFields]string
}

// heading reports whether the row only names a part of the
// klassificeringsstruktur ("1 Styra verksamheten") or carries a remark: a
// line of the plan that is no rule. A row that says what happens to some
// records is a rule, and is checked as one.
func (e entry) heading() bool {
	for _, f := range []field{fID, fAction, fFrist, fCaseType, fDocType} {
		if strings.TrimSpace(e.cells[f]) != "" {
			return false
		}
	}
	return true
}

// classCodeRe is a classification code: "2.3.1", "KS1.2", "3.".
var classCodeRe = regexp.MustCompile(`^[0-9A-Za-z]+(\.[0-9A-Za-z]+)*\.?$`)

// classCode takes the code from a Klass cell that also names the class, as
// plans often do ("1.1 Styra verksamheten" is class 1.1).
func classCode(s string) string {
	s = strings.TrimSpace(s)
	fs := strings.Fields(s)
	if len(fs) > 1 && classCodeRe.MatchString(fs[0]) && strings.ContainsAny(fs[0], "0123456789") {
		return strings.TrimSuffix(fs[0], ".")
	}
	return s
}

// reported stands for a frist that could not be read and is reported
// already, so Validate does not report it missing as well. Parse returns no
// rules from a plan with problems, so it never decides a record.
var reported = Frist{given: true}

// rule understands the cells of e, adding what it cannot read to ps.
// Validate's checks come after, on the whole plan.
func (e entry) rule(ps *problems) Rule {
	c := func(f field) string { return strings.Join(strings.Fields(e.cells[f]), " ") }
	r := Rule{
		ID: c(fID), Class: classCode(e.cells[fClass]), CaseType: c(fCaseType), DocType: c(fDocType),
		Decision: c(fDecision), Law: c(fLaw), Secrecy: c(fSecrecy), PersonalData: c(fPersonalData), Note: c(fNote),
	}
	switch foldKey(e.cells[fException]) {
	case "", "nej", "n", "false", "0":
	case "ja", "j", "x", "true", "1", "undantag":
		r.Exception = true
	default:
		ps.add(e.row, colException, r.ID, "%q: skriv ja, nej, x eller lämna tomt", c(fException))
	}

	// Åtgärd may carry the frist too: "Gallras 2 år efter ärendets avslut".
	var phraseFrist Frist
	var phraseFrom Trigger
	if a := c(fAction); a != "" {
		word, rest, _ := strings.Cut(a, " ")
		act, ok := parseAction(word)
		if !ok {
			ps.add(e.row, colAction, r.ID, "%q är ingen åtgärd (skriv Bevaras eller Gallras)", a)
		} else {
			r.Action = act
			if rest != "" {
				f, from, err := parseFristPhrase(rest)
				if err != nil {
					ps.add(e.row, colAction, r.ID, "%s", err)
					f = reported
				}
				phraseFrist, phraseFrom = f, from
			}
		}
	}
	if s := c(fFrist); s != "" {
		f, from, err := parseFristPhrase(s)
		switch {
		case err != nil:
			ps.add(e.row, colFrist, r.ID, "%s", err)
			f = reported
		case phraseFrist.IsSet() && phraseFrist.String() != f.String():
			ps.add(e.row, colFrist, r.ID, "frist %s men Åtgärd säger %s: planen måste säga en frist", f, phraseFrist)
		}
		r.Frist = f
		if from != "" {
			if phraseFrom != "" && phraseFrom != from {
				ps.add(e.row, colFrist, r.ID, "fristen räknas från %s men Åtgärd säger %s", from, phraseFrom)
			}
			phraseFrom = from
		}
	} else {
		r.Frist = phraseFrist
	}
	if s := c(fFrom); s != "" {
		from, ok := parseTrigger(s)
		switch {
		case !ok:
			ps.add(e.row, colFrom, r.ID, "%q är inget att räkna fristen från (skriv %s)", s, triggerForms)
		case phraseFrom != "" && phraseFrom != from:
			ps.add(e.row, colFrom, r.ID, "%s men fristen säger %s: planen måste säga en utgångspunkt", from, phraseFrom)
		}
		r.From = from
	} else {
		r.From = phraseFrom
	}
	if r.From == CaseClosed {
		r.From = "" // the default, as a plan that leaves the column empty says
	}
	return r
}

// parseFristPhrase reads a frist with an optional trigger as plans write it
// in one cell: "2 år", "2 år efter ärendets avslut", "efter 5 år",
// "10 år från kalenderårets slut", "vid inaktualitet".
func parseFristPhrase(s string) (Frist, Trigger, error) {
	s = strings.TrimSpace(s)
	if w, rest, ok := strings.Cut(s, " "); ok && fold(w) == "efter" {
		s = strings.TrimSpace(rest)
	}
	f := fold(s)
	for _, sep := range []string{" raknat fran ", " raknas fran ", " efter ", " fran "} {
		left, right, ok := strings.Cut(f, sep)
		if !ok {
			continue
		}
		from, ok := parseTrigger(right)
		if !ok {
			break // not a trigger: the whole cell is no frist
		}
		fr, err := ParseFrist(left)
		if err != nil {
			return Frist{}, "", fmt.Errorf("%q är ingen frist (%s)", s, FristForms)
		}
		return fr, from, nil
	}
	fr, err := ParseFrist(s)
	return fr, "", err
}

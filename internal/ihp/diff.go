package ihp

import (
	"fmt"
	"slices"
	"strings"
)

// RuleChange is how one rule differs between two versions of a plan.
type RuleChange struct {
	Kind   string   `json:"kind"` // "ny", "borttagen", "ändrad"
	Rule   string   `json:"rule"`
	Old    *Rule    `json:"old,omitempty"`
	New    *Rule    `json:"new,omitempty"`
	Fields []string `json:"fields,omitempty"` // Swedish column names that differ
}

// Kinds of RuleChange.
const (
	Added   = "ny"
	Removed = "borttagen"
	Changed = "ändrad"
)

// Diff lists the rules added, removed and changed from old to new, by rule
// id in plan order (2.9 before 2.10), so an archivist sees what a new
// version of the plan changes before records are re-evaluated under it.
func Diff(old, new Rules) []RuleChange {
	olds, news := byID(old), byID(new)
	ids := make([]string, 0, len(olds)+len(news))
	for id := range olds {
		ids = append(ids, id)
	}
	for id := range news {
		if _, ok := olds[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, compareIDs)
	var out []RuleChange
	for _, id := range ids {
		o, inOld := olds[id]
		n, inNew := news[id]
		switch {
		case !inOld:
			out = append(out, RuleChange{Kind: Added, Rule: id, New: &n})
		case !inNew:
			out = append(out, RuleChange{Kind: Removed, Rule: id, Old: &o})
		default:
			if fs := changedFields(o, n); len(fs) > 0 {
				out = append(out, RuleChange{Kind: Changed, Rule: id, Old: &o, New: &n, Fields: fs})
			}
		}
	}
	return out
}

// byID indexes rules by trimmed id; with duplicate ids (an invalid plan)
// the first wins, as in the plan's own order.
func byID(rs Rules) map[string]Rule {
	m := make(map[string]Rule, len(rs))
	for _, r := range rs {
		id := strings.TrimSpace(r.ID)
		if _, ok := m[id]; !ok {
			m[id] = r
		}
	}
	return m
}

// changedFields names the columns where o and n differ. Text is compared
// as written, since a changed spelling is a change to the plan; Räknas
// från empty and "ärendets avslut" are the same.
func changedFields(o, n Rule) []string {
	var fs []string
	for _, c := range []struct {
		col  string
		a, b string
	}{
		{colClass, o.Class, n.Class},
		{colCaseType, o.CaseType, n.CaseType},
		{colDocType, o.DocType, n.DocType},
		{colException, fmt.Sprint(o.Exception), fmt.Sprint(n.Exception)},
		{colAction, string(o.Action), string(n.Action)},
		{colFrist, o.Frist.String(), n.Frist.String()},
		{colFrom, string(o.From.effective()), string(n.From.effective())},
		{colDecision, o.Decision, n.Decision},
		{colLaw, o.Law, n.Law},
		{colSecrecy, o.Secrecy, n.Secrecy},
		{colPersonalData, o.PersonalData, n.PersonalData},
		{colNote, o.Note, n.Note},
	} {
		if c.a != c.b {
			fs = append(fs, c.col)
		}
	}
	return fs
}

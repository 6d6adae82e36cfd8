package ihp

import (
	"fmt"
	"strings"
)

// Validate checks that the plan decides every record it names one way: ids
// unique, an Åtgärd on every rule, a frist on every gallras rule and none on
// a bevaras rule, known triggers, and no two rules for the same records. It
// returns an *ImportError listing every problem, or nil.
func (rs Rules) Validate() error { return rs.validate(nil).err("") }

// validate is Validate with the row each rule came from (rows[i] for
// rs[i]; nil or 0 when unknown), so Parse names rows.
func (rs Rules) validate(rows []int) problems {
	var ps problems
	row := func(i int) int {
		if i < len(rows) {
			return rows[i]
		}
		return 0
	}
	// where names another rule in a message: by row when known.
	where := func(i int) string {
		if r := row(i); r > 0 {
			return fmt.Sprintf("regel %s på rad %d", rs[i].ID, r)
		}
		return "regel " + rs[i].ID
	}
	ids := map[string]int{}
	crits := map[string]int{}
	for i, r := range rs {
		id := strings.TrimSpace(r.ID)
		if id == "" {
			ps.add(row(i), colID, "", "regelnummer saknas: varje regel behöver ett nummer, t.ex. 2.3.1")
		} else if j, dup := ids[id]; dup {
			ps.add(row(i), colID, id, "regel %s finns redan (%s): regelnumret ska vara unikt i planen", id, where(j))
		} else {
			ids[id] = i
		}
		switch r.Action {
		case Bevaras:
			if r.Frist.Inaktualitet || !r.Frist.Period.IsZero() {
				ps.add(row(i), colFrist, id, "Bevaras med gallringsfrist %s: en regel som bevarar har ingen frist (ändra till Gallras eller töm fristen)", r.Frist)
			}
		case Gallras:
			if !r.Frist.IsSet() {
				ps.add(row(i), colFrist, id, "gallringsfrist saknas för Gallras (%s)", FristForms)
			}
		case "":
			ps.add(row(i), colAction, id, "åtgärd saknas (skriv Bevaras eller Gallras)")
		default:
			ps.add(row(i), colAction, id, "%q är ingen åtgärd (skriv Bevaras eller Gallras)", string(r.Action))
		}
		if !knownTrigger(r.From) {
			ps.add(row(i), colFrom, id, "%q är inget att räkna fristen från (skriv %s)", string(r.From), triggerForms)
		}
		k := criteria(r)
		if j, dup := crits[k]; dup {
			ps.add(row(i), colClass, id, "regel %s gäller samma klass, ärendetyp, handlingstyp och undantag som %s: planen måste säga vilken som gäller", id, where(j))
		} else {
			crits[k] = i
		}
	}
	return ps
}

func knownTrigger(t Trigger) bool {
	if t == "" {
		return true
	}
	for _, k := range triggers {
		if t == k {
			return true
		}
	}
	return false
}

// criteria is what a rule is matched on, as matching compares it, so that
// "Bygglov" and "bygglov " count as the same ärendetyp.
func criteria(r Rule) string {
	return fmt.Sprintf("%s\x00%s\x00%s\x00%t", normClass(r.Class), fold(r.CaseType), fold(r.DocType), r.Exception)
}

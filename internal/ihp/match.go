package ihp

import (
	"cmp"
	"strconv"
	"strings"
)

// Subject is what a rule is matched against: the case's klass and
// ärendetyp, and for a document (Document set) its handlingstyp.
type Subject struct {
	Class, CaseType, DocType string
	Document                 bool
}

// Match finds the rule that decides s. It is the one matching function
// preview, ingest and re-evaluation use, so all three reach the same
// verdict. A rule applies when
//
//   - its Klass is empty or a dot-segment prefix of s.Class ("2.3" applies to
//     2.3 and 2.3.1, not to 2.30);
//   - its Ärendetyp is empty or equals s.CaseType, and its Handlingstyp is
//     empty or equals s.DocType, ignoring case and diacritics;
//   - for the case itself (Document false), its Handlingstyp is empty.
//
// Of the rules that apply, the winner is, in order:
//
//  1. an exception (Undantag) over a default rule;
//  2. the longer Klass, in segments;
//  3. one with an Ärendetyp over one without;
//  4. one with a Handlingstyp over one without;
//  5. the one that keeps longest (Bevaras, then vid inaktualitet, then the
//     longer frist), so a tie never makes a record destroyable sooner;
//  6. the lowest rule id, compared segment by segment (2.9 before 2.10).
func (rs Rules) Match(s Subject) (*Rule, bool) {
	class := normClass(s.Class)
	var best *Rule
	for i := range rs {
		r := &rs[i]
		if !s.Document && strings.TrimSpace(r.DocType) != "" {
			continue
		}
		if !classPrefix(normClass(r.Class), class) {
			continue
		}
		if strings.TrimSpace(r.CaseType) != "" && !foldEqual(r.CaseType, s.CaseType) {
			continue
		}
		if strings.TrimSpace(r.DocType) != "" && !foldEqual(r.DocType, s.DocType) {
			continue
		}
		if best == nil || beats(r, best) {
			best = r
		}
	}
	return best, best != nil
}

// beats reports whether a wins over b when both apply, in Match's order.
func beats(a, b *Rule) bool {
	if a.Exception != b.Exception {
		return a.Exception
	}
	if c := cmp.Compare(classSegments(normClass(a.Class)), classSegments(normClass(b.Class))); c != 0 {
		return c > 0
	}
	if ah, bh := strings.TrimSpace(a.CaseType) != "", strings.TrimSpace(b.CaseType) != ""; ah != bh {
		return ah
	}
	if ah, bh := strings.TrimSpace(a.DocType) != "", strings.TrimSpace(b.DocType) != ""; ah != bh {
		return ah
	}
	if c := cmp.Compare(a.keep(), b.keep()); c != 0 {
		return c > 0
	}
	return compareIDs(a.ID, b.ID) < 0
}

// keep ranks how long a rule keeps what it decides. Anything but a valid
// gallras rule keeps for ever.
func (r *Rule) keep() int {
	if r.Action != Gallras {
		return 1 << 31
	}
	return r.Frist.keepDays()
}

// compareIDs orders rule ids as a plan lists them: by dot segment, numbers
// by value ("2.9" before "2.10"), other segments as text.
func compareIDs(a, b string) int {
	as, bs := strings.Split(strings.TrimSpace(a), "."), strings.Split(strings.TrimSpace(b), ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		an, aerr := strconv.Atoi(as[i])
		bn, berr := strconv.Atoi(bs[i])
		var c int
		switch {
		case aerr == nil && berr == nil:
			c = cmp.Compare(an, bn)
		case aerr == nil:
			c = -1 // numbers before words
		case berr == nil:
			c = 1
		default:
			c = strings.Compare(as[i], bs[i])
		}
		if c != 0 {
			return c
		}
	}
	if c := cmp.Compare(len(as), len(bs)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

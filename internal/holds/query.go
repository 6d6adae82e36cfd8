package holds

import (
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/earkiv/earkiv/internal/earkiv"
)

// Query selects records by classification (prefix by dot segments),
// ärendetyp, arkivbildare and closing dates. Written as terms separated by
// spaces, values quoted when they hold spaces:
//
//	klass=2.3 ärendetyp=Bygglov arkivbildare="Bygg- och miljönämnden" avslutad>=2019-01-01 avslutad<=2020-12-31
type Query struct {
	Class      string `json:"class,omitempty"`
	CaseType   string `json:"caseType,omitempty"`
	Creator    string `json:"creator,omitempty"`
	ClosedFrom string `json:"closedFrom,omitempty"` // inclusive, 2006-01-02
	ClosedTo   string `json:"closedTo,omitempty"`   // inclusive
}

// IsZero reports whether the query selects everything.
func (q Query) IsZero() bool { return q == Query{} }

// ParseQuery reads a query; errors say what is wrong in Swedish.
func ParseQuery(s string) (*Query, error) {
	terms, err := split(s)
	if err != nil {
		return nil, err
	}
	q := &Query{}
	for _, t := range terms {
		i := strings.IndexAny(t, "<>=")
		if i <= 0 {
			return nil, earkiv.Invalid("sökning: %q är inget villkor (skriv t.ex. klass=2.3 eller avslutad<=2020-12-31)", t)
		}
		key, op, val := strings.ToLower(t[:i]), "", ""
		rest := t[i:]
		for _, o := range []string{">=", "<=", "="} {
			if strings.HasPrefix(rest, o) {
				op, val = o, rest[len(o):]
				break
			}
		}
		if op == "" || val == "" {
			return nil, earkiv.Invalid("sökning: %q saknar värde eller har en okänd jämförelse (=, >= eller <=)", t)
		}
		switch key {
		case "klass":
			q.Class, err = eq(key, op, val)
		case "ärendetyp", "arendetyp":
			q.CaseType, err = eq(key, op, val)
		case "arkivbildare":
			q.Creator, err = eq(key, op, val)
		case "avslutad", "avslutat":
			if _, perr := time.Parse(time.DateOnly, val); perr != nil {
				return nil, earkiv.Invalid("sökning: %s: %q är inget datum (ÅÅÅÅ-MM-DD)", key, val)
			}
			switch op {
			case ">=":
				q.ClosedFrom = val
			case "<=":
				q.ClosedTo = val
			default:
				q.ClosedFrom, q.ClosedTo = val, val
			}
		default:
			return nil, earkiv.Invalid("sökning: okänt fält %q (klass, ärendetyp, arkivbildare, avslutad)", key)
		}
		if err != nil {
			return nil, err
		}
	}
	if q.IsZero() {
		return nil, earkiv.Invalid("sökningen avgränsar inget")
	}
	return q, nil
}

func eq(key, op, val string) (string, error) {
	if op != "=" {
		return "", earkiv.Invalid("sökning: %s jämförs bara med =", key)
	}
	return val, nil
}

// split cuts s at spaces outside double quotes, unquoting values.
func split(s string) ([]string, error) {
	var out []string
	var b strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case unicode.IsSpace(r) && !quoted:
			if b.Len() > 0 {
				out = append(out, b.String())
				b.Reset()
			}
		default:
			b.WriteRune(r)
		}
	}
	if quoted {
		return nil, earkiv.Invalid("sökning: ett citattecken saknar sin motsvarighet")
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out, nil
}

// String writes the query back in the form ParseQuery reads.
func (q Query) String() string {
	var parts []string
	add := func(k, op, v string) {
		if v == "" {
			return
		}
		if strings.ContainsAny(v, " \t\"") {
			v = strconv.Quote(v)
		}
		parts = append(parts, k+op+v)
	}
	add("klass", "=", q.Class)
	add("ärendetyp", "=", q.CaseType)
	add("arkivbildare", "=", q.Creator)
	if q.ClosedFrom != "" && q.ClosedFrom == q.ClosedTo {
		add("avslutad", "=", q.ClosedFrom)
	} else {
		add("avslutad", ">=", q.ClosedFrom)
		add("avslutad", "<=", q.ClosedTo)
	}
	return strings.Join(parts, " ")
}

// Matches reports whether t is selected. A record without a closing date
// is not selected by a date bound.
func (q Query) Matches(t Target) bool {
	if q.Class != "" && !classUnder(t.Class, q.Class) {
		return false
	}
	if q.CaseType != "" && !strings.EqualFold(q.CaseType, t.CaseType) {
		return false
	}
	if q.Creator != "" && !strings.EqualFold(q.Creator, t.Creator) {
		return false
	}
	closed := t.Closed
	if len(closed) > 10 {
		closed = closed[:10]
	}
	if q.ClosedFrom != "" && (closed == "" || closed < q.ClosedFrom) {
		return false
	}
	if q.ClosedTo != "" && (closed == "" || closed > q.ClosedTo) {
		return false
	}
	return true
}

// classUnder reports whether class is prefix or a sub-class of it, by dot
// segments: "2.3" takes in "2.3.1", not "2.30".
func classUnder(class, prefix string) bool {
	return class == prefix || strings.HasPrefix(class, prefix+".")
}

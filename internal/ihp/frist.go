package ihp

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/earkiv/earkiv/internal/units"
)

// Frist is a gallringsfrist: a calendar period (units.Years, units.Months,
// units.Days) counted from the rule's trigger, or "vid inaktualitet", which
// leaves the moment to an archivist.
//
// The zero Frist is no frist given. A frist of "0" (gallras at once) is
// written ParseFrist("0"), so that a gallras rule whose frist was left out is
// refused instead of read as destroy at once.
type Frist struct {
	Period       units.Period
	Inaktualitet bool

	given bool // set by ParseFrist and UnmarshalText, so "0" differs from nothing
}

// FristForms names what ParseFrist accepts, for messages to the person who
// typed the plan.
const FristForms = "skriv t.ex. 5 år, 18 månader, 30 dagar, 0 eller vid inaktualitet"

var fristRe = regexp.MustCompile(`^([0-9]+)\s*([a-z]+)?$`)

// ParseFrist reads a frist as plans write it: "5 år", "18 månader",
// "1 månad", "30 dagar", "2 veckor" (14 dagar), "0", "vid inaktualitet", or
// the units forms "5y", "18m", "30d"; case and spaces do not matter.
func ParseFrist(s string) (Frist, error) {
	f := fold(s)
	switch f {
	case "":
		return Frist{}, fmt.Errorf("frist saknas (%s)", FristForms)
	case "vid inaktualitet", "inaktualitet", "vid inaktuell":
		return Frist{Inaktualitet: true, given: true}, nil
	}
	m := fristRe.FindStringSubmatch(f)
	if m == nil {
		return Frist{}, fmt.Errorf("%q är ingen frist (%s)", strings.TrimSpace(s), FristForms)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n > 1000 {
		return Frist{}, fmt.Errorf("%q är ingen rimlig frist (%s)", strings.TrimSpace(s), FristForms)
	}
	var p units.Period
	switch m[2] {
	case "":
		if n != 0 {
			return Frist{}, fmt.Errorf("%q saknar enhet (%s)", strings.TrimSpace(s), FristForms)
		}
	case "ar", "y":
		p = units.Years(n)
	case "manader", "manad", "man", "m":
		p = units.Months(n)
	case "dagar", "dag", "d":
		p = units.Days(n)
	case "veckor", "vecka", "v", "w":
		p = units.Days(7 * n)
	default:
		return Frist{}, fmt.Errorf("%q är ingen frist (%s)", strings.TrimSpace(s), FristForms)
	}
	if p.IsZero() {
		p = units.Period{}
	}
	return Frist{Period: p, given: true}, nil
}

// IsSet reports whether a frist was given at all; "0" is given.
func (f Frist) IsSet() bool { return f.given || f.Inaktualitet || !f.Period.IsZero() }

// String writes the frist in Swedish as a plan does, so ParseFrist reads it
// back: "5 år", "18 månader", "1 månad", "30 dagar", "0", "vid
// inaktualitet"; a frist not given is "".
func (f Frist) String() string {
	switch {
	case f.Inaktualitet:
		return "vid inaktualitet"
	case f.Period.IsZero():
		if f.given {
			return "0"
		}
		return ""
	}
	s := f.Period.String() // "5y", "18m", "30d"
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || !f.Period.Calendar() {
		return s
	}
	switch s[len(s)-1] {
	case 'y':
		return strconv.Itoa(n) + " år"
	case 'm':
		if n == 1 {
			return "1 månad"
		}
		return strconv.Itoa(n) + " månader"
	case 'd':
		if n == 1 {
			return "1 dag"
		}
		return strconv.Itoa(n) + " dagar"
	}
	return s
}

// MarshalText writes the frist as String does, so JSON and YAML plans carry
// it as the words of the plan.
func (f Frist) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText reads what ParseFrist reads; "" is no frist given.
func (f *Frist) UnmarshalText(b []byte) error {
	if strings.TrimSpace(string(b)) == "" {
		*f = Frist{}
		return nil
	}
	v, err := ParseFrist(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// fristRef is the date lengths of frists are compared from: 1 år, 12
// månader and 365 dagar differ by a day or so, and ranking them against
// one fixed date keeps the order the same on every run.
var fristRef = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)

// keepDays ranks how long a frist keeps a record, in days from fristRef. A
// frist vid inaktualitet or not given keeps it until a person decides, so
// it ranks above every fixed frist.
func (f Frist) keepDays() int {
	if f.Inaktualitet || !f.IsSet() {
		return 1 << 30
	}
	return int(f.Period.AddTo(fristRef).Sub(fristRef) / (24 * time.Hour))
}

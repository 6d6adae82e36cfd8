// Package holds is gallringsstopp: an arkivansvarig stops gallring of a set
// of records (by AIP, by case or by a query) for a reason and a reference,
// until the hold is lifted with a reason. A held record is never disposed
// of, whatever its date. This package says what a hold covers; storing
// holds and putting S3 Legal Hold on their objects belong to retention.
package holds

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/earkiv/earkiv/internal/earkiv"

	"github.com/google/uuid"
)

// Hold is one gallringsstopp.
type Hold struct {
	ID        string    `json:"id"`
	Tenant    string    `json:"tenant"`
	Scope     Scope     `json:"scope"`
	Reason    string    `json:"reason"`
	Reference string    `json:"reference,omitempty"` // e.g. "tvist", "tillsyn", "begäran om utlämnande KS 2026/123"
	Source    string    `json:"source,omitempty"`    // who placed it: empty for a person, or e.g. "release:<case>"
	PlacedBy  string    `json:"placedBy"`
	Placed    time.Time `json:"placed"`
	Lifted    time.Time `json:"lifted,omitzero"`
	LiftedBy  string    `json:"liftedBy,omitempty"`
	LiftNote  string    `json:"liftReason,omitempty"`
}

// Active reports whether the hold still stops gallring.
func (h *Hold) Active() bool { return h.Lifted.IsZero() }

// Scope is what a hold covers: one AIP, one case (by diarienummer, in any
// AIP), or every record a query matches, including records ingested later.
type Scope struct {
	AIP   string `json:"aip,omitempty"`
	Case  string `json:"case,omitempty"`
	Query *Query `json:"query,omitempty"`
}

// String says the scope in Swedish, for lists and logs.
func (s Scope) String() string {
	switch {
	case s.AIP != "":
		return "AIP " + s.AIP
	case s.Case != "":
		return "ärende " + s.Case
	case s.Query != nil:
		return "sökning " + s.Query.String()
	}
	return "(inget)"
}

// Target is a record as holds see it: a case in an AIP.
type Target struct {
	AIP, Case, Class, CaseType, Creator, Closed string
}

// Covers reports whether the hold, while active, covers t.
func (h *Hold) Covers(t Target) bool {
	if !h.Active() {
		return false
	}
	return h.Scope.Covers(t)
}

// Covers reports whether the scope takes in t.
func (s Scope) Covers(t Target) bool {
	switch {
	case s.AIP != "":
		return s.AIP == t.AIP
	case s.Case != "":
		return s.Case == t.Case
	case s.Query != nil:
		return s.Query.Matches(t)
	}
	return false
}

// New makes a hold with a fresh id, checking what a person gave.
func New(tenant string, scope Scope, reason, reference, by string, now time.Time) (*Hold, error) {
	if err := scope.Check(); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, earkiv.Invalid("ett gallringsstopp behöver ett skäl")
	}
	if utf8.RuneCountInString(reason) > 1000 || utf8.RuneCountInString(reference) > 200 {
		return nil, earkiv.Invalid("skälet får vara högst 1000 tecken och referensen högst 200")
	}
	return &Hold{ID: uuid.NewString(), Tenant: tenant, Scope: scope, Reason: reason, Reference: strings.TrimSpace(reference),
		PlacedBy: by, Placed: now.UTC()}, nil
}

// Check refuses a scope that names nothing or more than one kind.
func (s Scope) Check() error {
	n := 0
	for _, set := range []bool{s.AIP != "", s.Case != "", s.Query != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return earkiv.Invalid("ange precis ett av AIP, ärende (diarienummer) eller sökning")
	}
	if s.AIP != "" && uuid.Validate(s.AIP) != nil {
		return earkiv.Invalid("%q är inget AIP-id", s.AIP)
	}
	if s.Query != nil && s.Query.IsZero() {
		return earkiv.Invalid("sökningen avgränsar inget: ange klass, ärendetyp, arkivbildare eller avslutad")
	}
	return nil
}

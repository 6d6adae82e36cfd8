package earkiv

import "time"

// Lock is the S3 Object Lock an archived object carries: kept until a date
// in GOVERNANCE or COMPLIANCE mode, or held without end (a legal hold).
// AIP manifests record it and stores enforce it, so it is one type for both.
type Lock struct {
	Mode        string    `json:"mode,omitempty"` // GOVERNANCE or COMPLIANCE; empty with no date
	RetainUntil time.Time `json:"retainUntil,omitzero"`
	LegalHold   bool      `json:"legalHold,omitempty"`
}

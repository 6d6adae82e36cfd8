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

// KeepUntil is the retention date of objects of records to be kept
// (bevaras): far enough that no plan outlives it, a date so that only a
// credential with governance bypass (or, in COMPLIANCE mode, nobody) can
// delete them. A legal hold would do too, but legal holds are gallringsstopp,
// and lifting a stopp must never make a kept record deletable.
var KeepUntil = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// Keeps reports whether l is the lock of a kept (bevaras) record.
func (l Lock) Keeps() bool { return !l.RetainUntil.Before(KeepUntil) }

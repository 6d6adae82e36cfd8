package earkiv

import (
	"errors"
	"time"

	"github.com/earkiv/earkiv/internal/report"
)

// Status is a receipt's verdict on a submission.
type Status string

// Receipt statuses.
const (
	Accepted  Status = "accepted"
	Duplicate Status = "duplicate" // already archived with the same content: accepted, nothing new stored
	Rejected  Status = "rejected"
	Failed    Status = "failed" // could not be processed; operators are alerted
)

// FileSum is one file with its size and SHA-256 (hex): what a receipt lists
// and what a package digest is computed over.
type FileSum struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Receipt (kvittens) is the answer to a submission.
type Receipt struct {
	SubmissionID string         `json:"submissionId"`
	Tenant       string         `json:"tenant"`
	PackageID    string         `json:"packageId,omitempty"`
	AIPID        string         `json:"aipId,omitempty"`
	Status       Status         `json:"status"`
	Reason       string         `json:"reason,omitempty"`
	Files        int            `json:"files"`
	Bytes        int64          `json:"bytes"`
	Checksums    []FileSum      `json:"checksums,omitempty"`
	Report       *report.Report `json:"report,omitempty"`
	Submitted    time.Time      `json:"submitted"`
	Started      time.Time      `json:"started"`
	Finished     time.Time      `json:"finished"`
}

// OK reports whether the package is archived (accepted now or before).
func (r *Receipt) OK() bool { return r.Status == Accepted || r.Status == Duplicate }

// ErrNoReceipt is returned while a submission has no receipt yet.
var ErrNoReceipt = errors.New("no receipt yet")

package earkiv

import (
	"encoding/json"
	"time"
)

// EventType names what an event records. It is the last token of the
// event's subject, so it never holds a space, '*' or '>'.
type EventType string

// The events earkiv records.
const (
	IngestStarted    EventType = "ingest.started"
	IngestRetry      EventType = "ingest.retry"
	IngestFailed     EventType = "ingest.failed"
	ValidationPassed EventType = "validation.passed"
	ValidationFailed EventType = "validation.failed"
	AIPStored        EventType = "aip.stored"
	ReceiptIssued    EventType = "receipt.issued"
	FixityAudit      EventType = "fixity.audit"
	FixityRepair     EventType = "fixity.repair"
	// The informationshanteringsplan and what it decides. Each carries its
	// object (the plan version, the hold, the changed outcomes) in Data, so
	// the catalog and reindex need nothing but the log.
	PlanImported     EventType = "plan.imported"
	PlanActivated    EventType = "plan.activated"
	RetentionChanged EventType = "retention.changed"
	HoldPlaced       EventType = "hold.placed"
	HoldLifted       EventType = "hold.lifted"
	// RetentionOverride is an archivist's decision on records beside the
	// plan: kept after all, or postponed (an exclusion from a gallring list).
	RetentionOverride EventType = "retention.override"
	// Gallring: a list's every change carries the list; each disposed
	// record carries its tombstone (and a partial AIP's new manifest).
	DisposalList   EventType = "disposal.list"
	DisposalRecord EventType = "disposal.record"
)

// Outcomes an event may carry, as PREMIS names them.
const (
	Success = "success"
	Failure = "failure"
)

// Event is one state change, for the audit trail and the projections.
type Event struct {
	ID           string          `json:"id"`
	Time         time.Time       `json:"time"`
	Tenant       string          `json:"tenant"`
	Type         EventType       `json:"type"`
	SubmissionID string          `json:"submissionId,omitempty"`
	PackageID    string          `json:"packageId,omitempty"`
	AIPID        string          `json:"aipId,omitempty"`
	Outcome      string          `json:"outcome,omitempty"`
	Detail       string          `json:"detail,omitempty"`
	Data         json.RawMessage `json:"data,omitempty"`
	Seq          uint64          `json:"seq,omitempty"` // stream sequence, when read back
	// Pending is how many events followed this one in the stream when it
	// was delivered: a follower that batches its work commits at 0.
	Pending uint64 `json:"-"`
}

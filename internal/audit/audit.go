// Package audit verifies stored objects against the checksums their AIPs
// recorded: it streams each object back from S3, recomputes its SHA-256 and
// compares, and it also finds objects an AIP records that the bucket lost
// (missing) and objects in the bucket no AIP records (orphans). What
// gallring disposed of, as its tombstones name it, is neither: an audit
// leaves it alone and a repair refuses to bring it back (disposed.go).
//
// The expected digests come from the AIP manifests in the bucket itself, so
// an audit needs nothing but the bucket; the catalog only says when each
// object was last verified, to spread audits over a cycle.
package audit

import (
	"time"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Outcomes of one object's check.
const (
	OK       = "ok"
	Mismatch = "mismatch" // the bytes no longer match the recorded SHA-256
	Missing  = "missing"  // recorded in an AIP, not in the bucket
	Orphan   = "orphan"   // in the bucket, in no AIP
	Error    = "error"    // could not be checked (read failed); counts as not verified
)

// Finding is the result for one object.
type Finding struct {
	Tenant   string    `json:"tenant"`
	Bucket   string    `json:"bucket"`
	AIPID    string    `json:"aipId,omitempty"`
	Key      string    `json:"key"`
	Outcome  string    `json:"outcome"`
	Expected string    `json:"expectedSha256,omitempty"`
	Actual   string    `json:"actualSha256,omitempty"`
	Size     int64     `json:"size"`
	Checked  time.Time `json:"checked"`
	Detail   string    `json:"detail,omitempty"`
}

// Bad reports whether the finding fails the audit.
func (f Finding) Bad() bool { return f.Outcome != OK && f.Outcome != Disposed }

// Target is one object the audit expects.
type Target struct {
	Tenant *tenant.Tenant
	Store  *storage.Store
	Bucket string
	AIPID  string
	Key    string
	Size   int64
	SHA256 string
	Lock   earkiv.Lock
}

// Options select and pace an audit. Place finds each tenant's buckets: the
// primary one is audited.
type Options struct {
	Tenants      []*tenant.Tenant
	Place        placement.Placement
	AIP          string        // only this AIP
	NotCheckedIn time.Duration // only objects not verified within this long (needs LastVerified)
	LastVerified func(tenant, key string) time.Time
	Sample       float64 // percent of objects to read, 0 or 100: all
	Limit        int     // at most this many objects, least recently verified first (0: all)
	Rate         int64   // bytes per second over all workers (0: unlimited)
	Workers      int
	OrphanGrace  time.Duration // objects younger than this outside any AIP may be an ingest in progress
	Seed         uint64        // selects the sample; a resumed run keeps its seed
	OnResult     func(Finding) // called once per object checked (from several goroutines)
	OnPlan       func(objects int, bytes int64)
	Now          func() time.Time
}

// Summary totals an audit.
type Summary struct {
	Objects  int   `json:"objects"`
	Bytes    int64 `json:"bytes"`
	OK       int   `json:"ok"`
	Mismatch int   `json:"mismatch"`
	Missing  int   `json:"missing"`
	Orphans  int   `json:"orphans"`
	Errors   int   `json:"errors"`
	// Disposed counts the objects gallring disposed of, which the audit
	// leaves alone: not checked, not missing, not orphans.
	Disposed int `json:"disposed"`
}

// Add counts a finding.
func (s *Summary) Add(f Finding) {
	if f.Outcome == Disposed {
		s.Disposed++
		return
	}
	s.Objects++
	switch f.Outcome {
	case OK:
		s.OK++
		s.Bytes += f.Size
	case Mismatch:
		s.Mismatch++
		s.Bytes += f.Size
	case Missing:
		s.Missing++
	case Orphan:
		s.Orphans++
	default:
		s.Errors++
	}
}

// Failed reports whether anything is wrong.
func (s Summary) Failed() bool { return s.Mismatch+s.Missing+s.Orphans+s.Errors > 0 }

package accesslog

import (
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/earkiv/earkiv/internal/queue"
)

// Kind is the kind of problem Verify finds.
type Kind string

// What can be wrong with a log.
const (
	Changed      Kind = "changed"      // an entry's bytes no longer match its hash, or it is unreadable
	Removed      Kind = "removed"      // a gap in n
	Reordered    Kind = "reordered"    // an entry out of place, or its prev not the hash of the entry before
	Truncated    Kind = "truncated"    // fewer entries than a signed checkpoint counts
	Diverged     Kind = "diverged"     // the entry a checkpoint signs has another hash now
	BadSignature Kind = "badsignature" // a checkpoint whose signature does not verify
)

// Problem is the first thing wrong with a log, and where.
type Problem struct {
	Kind   Kind   `json:"kind"`
	N      uint64 `json:"n,omitempty"`   // the entry's index (0: none applies)
	Seq    uint64 `json:"seq,omitempty"` // its stream sequence (0: none applies)
	Detail string `json:"detail"`
}

func (p *Problem) String() string {
	where := ""
	if p.N > 0 {
		where = fmt.Sprintf(" at entry %d", p.N)
	}
	if p.Seq > 0 {
		where += fmt.Sprintf(" (stream sequence %d)", p.Seq)
	}
	return fmt.Sprintf("%s%s: %s", p.Kind, where, p.Detail)
}

// Result is what Verify found.
type Result struct {
	Tenant      string    `json:"tenant"`
	Entries     uint64    `json:"entries"` // entries read
	Head        tlog.Hash `json:"head"`
	Checkpoints int       `json:"checkpoints"`       // checkpoints checked against the log
	Problem     *Problem  `json:"problem,omitempty"` // nil: intact
}

// Intact tells whether nothing was found wrong.
func (r Result) Intact() bool { return r.Problem == nil }

// VerifyEntries checks tenant's stored entries, in stream order, as one
// unbroken chain from entry 1, and against each signed checkpoint (whose
// signatures the caller has verified). It reports the first problem.
func VerifyEntries(tenant string, stored []queue.AccessMsg, cps []Checkpoint) Result {
	r := Result{Tenant: tenant, Checkpoints: len(cps)}
	at := map[uint64][]int{} // checkpoint count -> indexes in cps
	for i, c := range cps {
		at[c.N] = append(at[c.N], i)
	}
	var seen map[uint64]bool // built only when an entry is out of place
	var prev tlog.Hash
	for i, m := range stored {
		want := uint64(i) + 1
		e, ok, err := decodeLink(m.Data)
		switch {
		case err != nil:
			r.Problem = &Problem{Changed, want, m.Seq, err.Error()}
			return r
		case !ok:
			r.Problem = &Problem{Changed, e.N, m.Seq, "its bytes do not match its hash"}
			return r
		case e.Tenant != tenant:
			r.Problem = &Problem{Changed, e.N, m.Seq, fmt.Sprintf("it belongs to tenant %q", e.Tenant)}
			return r
		case e.N != want:
			if seen == nil {
				seen = map[uint64]bool{}
				for _, m := range stored[i:] {
					if x, _, err := decodeLink(m.Data); err == nil {
						seen[x.N] = true
					}
				}
			}
			if e.N > want && !seen[want] {
				r.Problem = &Problem{Removed, want, m.Seq, fmt.Sprintf("entries %d to %d are missing (next found: %d)", want, e.N-1, e.N)}
			} else {
				r.Problem = &Problem{Reordered, want, m.Seq, fmt.Sprintf("entry %d stands where entry %d belongs", e.N, want)}
			}
			return r
		case e.Prev != prev:
			r.Problem = &Problem{Reordered, want, m.Seq, fmt.Sprintf("its prev is not the hash of entry %d: that entry was replaced, or entries were reordered", want-1)}
			return r
		}
		prev = e.Hash
		r.Entries, r.Head = want, e.Hash
		for _, j := range at[want] {
			if cps[j].Head != e.Hash {
				r.Problem = &Problem{Diverged, want, m.Seq, fmt.Sprintf("the checkpoint of %s signs another entry %d: the log was rewritten", cps[j].Time.Format(time.RFC3339), want)}
				return r
			}
		}
	}
	for _, c := range cps {
		if c.N > r.Entries {
			r.Problem = &Problem{Truncated, r.Entries + 1, 0, fmt.Sprintf("the log has %d entries, the checkpoint of %s signs %d", r.Entries, c.Time.Format(time.RFC3339), c.N)}
			return r
		}
	}
	return r
}

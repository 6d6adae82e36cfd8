package retention

import (
	"strings"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ihp"
)

// minLock is how long past the AIP's creation a record already due is
// locked: gallring is a decision of its own, never the store's default.
const minLock = 24 * time.Hour

// LockFor is the lock of a record with outcome o in an AIP created at
// created. It depends on nothing else, so ingest and re-evaluation agree
// on what a store holds.
func LockFor(o ihp.Outcome, mode string, created time.Time) earkiv.Lock {
	if o.Outcome != ihp.Gallras || o.Date == "" || o.Review != "" {
		return earkiv.Lock{Mode: mode, RetainUntil: earkiv.KeepUntil}
	}
	d, err := time.Parse(time.DateOnly, o.Date)
	if err != nil {
		return earkiv.Lock{Mode: mode, RetainUntil: earkiv.KeepUntil}
	}
	if floor := created.Add(minLock).UTC().Truncate(time.Second); d.Before(floor) {
		d = floor
	}
	return earkiv.Lock{Mode: mode, RetainUntil: d}
}

// later returns the longer-lived of two locks.
func later(a, b earkiv.Lock) earkiv.Lock {
	if b.RetainUntil.After(a.RetainUntil) {
		return b
	}
	return a
}

// ObjectLocks computes each object's lock from the outcomes in m: a file a
// document links gets the longest lock of the documents linking it, every
// other object (the AIP's metadata, the package METS, files no document
// names) the longest lock in the AIP. It sets m.Retention to that longest
// lock and returns the lock by key; o.Lock is set where it differs.
func ObjectLocks(m *aip.Manifest, outcomes []ihp.CaseOutcome, mode string) map[string]earkiv.Lock {
	docs := map[string]ihp.Outcome{}
	longest := earkiv.Lock{}
	for _, co := range outcomes {
		longest = later(longest, LockFor(co.Outcome, mode, m.Created))
		for _, d := range co.Documents {
			docs[co.Case+"\x00"+d.Document] = d.Outcome
			longest = later(longest, LockFor(d.Outcome, mode, m.Created))
		}
	}
	if longest.RetainUntil.IsZero() {
		// No cases described: the package is kept as a whole.
		longest = earkiv.Lock{Mode: mode, RetainUntil: earkiv.KeepUntil}
	}
	// Which documents link each submitted file.
	linked := map[string]earkiv.Lock{}
	for _, cs := range m.Cases {
		for _, d := range cs.Documents {
			o, ok := docs[cs.ID+"\x00"+d.ID]
			if !ok {
				continue
			}
			l := LockFor(o, mode, m.Created)
			for _, f := range d.Files {
				f = strings.TrimPrefix(f, "./")
				if f == "" {
					continue
				}
				if have, ok := linked[f]; ok {
					l = later(have, l)
				}
				linked[f] = l
			}
		}
	}
	m.Retention = longest
	out := map[string]earkiv.Lock{}
	for i := range m.Objects {
		o := &m.Objects[i]
		l := longest
		if o.Role == aip.RoleSubmission {
			if fl, ok := fileLock(linked, strings.TrimPrefix(o.Path, "submission/")); ok {
				l = fl
			}
		}
		o.Lock = nil
		if l != longest {
			o.Lock = &l
		}
		out[o.Key] = l
	}
	return out
}

// fileLock finds the lock of a submitted file by the link a description
// gives, which is relative to the package root or to its content folder.
func fileLock(linked map[string]earkiv.Lock, p string) (earkiv.Lock, bool) {
	if l, ok := linked[p]; ok {
		return l, true
	}
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			if l, ok := linked[p[i+1:]]; ok {
				return l, true
			}
		}
	}
	return earkiv.Lock{}, false
}

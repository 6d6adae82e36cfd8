package tenant

import (
	"fmt"
	"strings"
	"time"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/units"
)

// Lock is the Object Lock of an AIP stored at now: the tenant's retention
// period in its mode, or a legal hold for keep-forever.
func (t *Tenant) Lock(now time.Time) (earkiv.Lock, error) {
	if t.Retention.Forever() {
		return earkiv.Lock{LegalHold: true}, nil
	}
	until, err := t.Retention.Until(now)
	if err != nil {
		return earkiv.Lock{}, err
	}
	return earkiv.Lock{Mode: t.RetentionMode(), RetainUntil: until.Truncate(time.Second)}, nil
}

// LockText says a lock in words, as an AIP's PREMIS records it.
func LockText(l earkiv.Lock) string {
	if l.LegalHold {
		return "legal hold (kept without end date)"
	}
	return fmt.Sprintf("%s until %s", l.Mode, l.RetainUntil.Format("2006-01-02"))
}

// Retention is the Object Lock applied to stored objects.
type Retention struct {
	// Default is how long objects are locked from ingest, e.g. "10y", "90d".
	// "forever" sets a legal hold instead of a date (bevaras).
	Default string `yaml:"default,omitempty" json:"default,omitempty"`
	// Mode is GOVERNANCE (default: a disposal decision may later shorten the
	// lock with bypass rights) or COMPLIANCE (nobody can shorten it).
	Mode string `yaml:"mode,omitempty" json:"mode,omitempty"`
}

// Forever reports whether objects are kept without end (legal hold).
func (r Retention) Forever() bool { return strings.EqualFold(r.Default, "forever") }

// Until is the retain-until date for an object stored at t.
func (r Retention) Until(t time.Time) (time.Time, error) {
	if r.Forever() {
		return time.Time{}, nil
	}
	d := r.Default
	if d == "" {
		d = DefaultRetention
	}
	return AddPeriod(t, d)
}

// DefaultRetention is the lock period when a tenant sets none.
const DefaultRetention = "10y"

// AddPeriod adds a period written as <n>y, <n>m or <n>d to t. Retention
// follows the calendar, so clock durations ("24h") are refused.
func AddPeriod(t time.Time, p string) (time.Time, error) {
	v, err := units.ParsePeriod(p)
	if err != nil || !v.Calendar() {
		return time.Time{}, fmt.Errorf("period %q: want <n>y, <n>m or <n>d, or forever", p)
	}
	return v.AddTo(t), nil
}

// RetentionMode is the Object Lock mode, GOVERNANCE unless set.
func (t *Tenant) RetentionMode() string {
	if m := strings.ToUpper(t.Retention.Mode); m != "" {
		return m
	}
	return "GOVERNANCE"
}

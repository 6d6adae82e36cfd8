package tenant

import (
	"fmt"
	"time"

	"github.com/earkiv/earkiv/internal/earkiv"
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

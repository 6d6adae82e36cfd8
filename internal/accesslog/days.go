package accesslog

import (
	"fmt"
	"strings"
	"time"
)

// Days is the span of an export: its first and last day, both inclusive,
// as 2006-01-02 in UTC; "" leaves that end open.
type Days struct{ From, To string }

// Times are the span as the times Export takes: from (inclusive) and to
// (exclusive).
func (d Days) Times() (from, to time.Time, err error) {
	if d.From != "" {
		if from, err = time.Parse(time.DateOnly, d.From); err != nil {
			return from, to, fmt.Errorf("from %q: want a date such as 2025-03-01", d.From)
		}
	}
	if d.To != "" {
		if to, err = time.Parse(time.DateOnly, d.To); err != nil {
			return from, to, fmt.Errorf("to %q: want a date such as 2025-03-01", d.To)
		}
		to = to.AddDate(0, 0, 1)
	}
	return from, to, nil
}

// String is the span as an export's log entry names it: "2025-03-01..2025-03-31",
// an open end left out.
func (d Days) String() string { return strings.Trim(d.From+".."+d.To, ".") }

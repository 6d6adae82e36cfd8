package accesslog

import (
	"testing"
	"time"
)

func TestDays(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, c := range []struct {
		d        Days
		from, to time.Time
		span     string
		ok       bool
	}{
		{Days{}, time.Time{}, time.Time{}, "", true},
		{Days{"2025-03-01", "2025-03-31"}, day("2025-03-01"), day("2025-04-01"), "2025-03-01..2025-03-31", true},
		{Days{From: "2025-03-01"}, day("2025-03-01"), time.Time{}, "2025-03-01", true},
		{Days{To: "2025-03-02"}, time.Time{}, day("2025-03-03"), "2025-03-02", true},
		{Days{From: "1 mars"}, time.Time{}, time.Time{}, "", false},
		{Days{To: "2025-13-01"}, time.Time{}, time.Time{}, "", false},
	} {
		from, to, err := c.d.Times()
		if (err == nil) != c.ok || (c.ok && (!from.Equal(c.from) || !to.Equal(c.to) || c.d.String() != c.span)) {
			t.Errorf("%+v: %v %v %q %v", c.d, from, to, c.d.String(), err)
		}
	}
}

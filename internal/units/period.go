// Package units reads and writes the quantities operators type on the
// command line and in the tenants file: periods ("10y", "18m", "90d",
// "36h") and byte sizes ("4GiB", "200MB", rates "200MB/s"). One parser
// each keeps "90d" meaning the same to every command.
package units

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Period is a span of time as an archivist writes it: whole years, months or
// days (10y, 18m, 90d), which follow the calendar, or a Go duration (36h,
// 1h30m, 0), which is exact. "m" alone means months: retention is set in
// months, never in minutes; a duration of minutes is written with its
// seconds ("30m0s") or hours ("0.5h").
//
// The zero Period is no time at all.
type Period struct {
	n     int           // count of unit
	unit  byte          // 'y', 'm' or 'd'; 0: clock
	clock time.Duration // used when unit is 0
}

// Years, Months, Days and Clock make the Period they name.
func Years(n int) Period           { return Period{n: n, unit: 'y'} }
func Months(n int) Period          { return Period{n: n, unit: 'm'} }
func Days(n int) Period            { return Period{n: n, unit: 'd'} }
func Clock(d time.Duration) Period { return Period{clock: d} }

// IsZero reports whether the period is no time at all ("0", "0d", unset).
func (p Period) IsZero() bool { return p.n == 0 && p.clock == 0 }

// Calendar reports whether the period counts years, months or days, as a
// retention period must, rather than clock time.
func (p Period) Calendar() bool { return p.unit != 0 }

// Set parses s into p, so a *Period is a flag.Value and a cli.Generic.
func (p *Period) Set(s string) error {
	v, err := ParsePeriod(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// MarshalText writes the period as String does.
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText lets a Period be a field of a YAML or JSON record.
func (p *Period) UnmarshalText(b []byte) error { return p.Set(string(b)) }

// PeriodForms names what ParsePeriod accepts, for error messages and usage.
const PeriodForms = "<n>y, <n>m (months), <n>d or a duration such as 36h"

var calendarRe = regexp.MustCompile(`^([0-9]+)([ymd])$`)

// ParsePeriod reads "10y", "18m", "90d" or anything time.ParseDuration takes.
// The empty string is the zero Period, so an unset flag means none.
func ParsePeriod(s string) (Period, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Period{}, nil
	}
	if m := calendarRe.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil {
			return Period{}, fmt.Errorf("period %q: %w", s, err)
		}
		return Period{n: n, unit: m[2][0]}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return Period{}, fmt.Errorf("period %q: want %s", s, PeriodForms)
	}
	return Clock(d), nil
}

// AddTo is t moved on by the period: calendar periods by the calendar
// (time.AddDate), so a retention of 10y from 29 February ends on 1 March.
func (p Period) AddTo(t time.Time) time.Time {
	switch p.unit {
	case 'y':
		return t.AddDate(p.n, 0, 0)
	case 'm':
		return t.AddDate(0, p.n, 0)
	case 'd':
		return t.AddDate(0, 0, p.n)
	}
	return t.Add(p.clock)
}

// Duration is the period's length where a fixed length is needed (an audit
// cycle, a grace time): a day is 24 hours, a month 30 days, a year 365.
func (p Period) Duration() time.Duration {
	const day = 24 * time.Hour
	switch p.unit {
	case 'y':
		return time.Duration(p.n) * 365 * day
	case 'm':
		return time.Duration(p.n) * 30 * day
	case 'd':
		return time.Duration(p.n) * day
	}
	return p.clock
}

// String writes the period so that ParsePeriod reads it back: "90d", "24h",
// "1h30m", but "30m0s" for minutes, which "30m" (months) would not be.
func (p Period) String() string {
	if p.unit != 0 {
		return strconv.Itoa(p.n) + string(p.unit)
	}
	s := p.clock.String()
	switch {
	case strings.HasSuffix(s, "h0m0s"):
		s = strings.TrimSuffix(s, "0m0s")
	case strings.HasSuffix(s, "m0s") && strings.Contains(s, "h"):
		s = strings.TrimSuffix(s, "0s")
	}
	return s
}

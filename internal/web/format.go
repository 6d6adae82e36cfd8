package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Swedish formatting of what a page shows, as sv-SE writes it: "4 december
// 2026 kl. 19.50", "12 345", "1,5". The helpers are small and local, since
// the standard library formats no locale and a page needs only these.

var months = [...]string{"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
	"september", "oktober", "november", "december"}

// zone is where the archive's people are; times are stored in UTC.
var zone = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Stockholm"); err == nil {
		return l
	}
	return time.UTC
}()

// DateTime writes t in Swedish time as "4 december 2026 kl. 19.50" (the
// space after "kl." does not break, so a narrow column keeps the time
// whole); a zero time is "–".
func DateTime(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	t = t.In(zone)
	return fmt.Sprintf("%s kl.%s%02d.%02d", Date(t), nbsp, t.Hour(), t.Minute())
}

// Count writes n with the singular or plural noun: "1 varning",
// "3 varningar".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Number(int64(n)) + " " + many
}

// Date writes the date of t in Swedish time as "4 december 2026".
func Date(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	t = t.In(zone)
	return fmt.Sprintf("%d %s %d", t.Day(), months[t.Month()-1], t.Year())
}

// RecordDate writes a date as a record's metadata gives it ("2020-05-20",
// "2020-05-20T00:00:00", RFC 3339): the date alone when no time of day is
// given, else with it. Text it cannot read is shown as given.
func RecordDate(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "–"
	}
	for _, f := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		t, err := time.ParseInLocation(f, s, zone)
		if err != nil {
			continue
		}
		if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
			return Date(t)
		}
		return DateTime(t)
	}
	return s
}

// nbsp keeps a number's groups on one line.
const nbsp = "\u00a0"

// Number writes n with a space between groups of three digits: "12 345".
func Number(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteString("−") // the minus sign, as Swedish typography writes it
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(nbsp)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Decimal writes x with digits decimals, a decimal comma and grouped
// thousands: Decimal(1234.5, 1) is "1 234,5".
func Decimal(x float64, digits int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	s := strconv.FormatFloat(math.Abs(x), 'f', digits, 64)
	whole, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(whole, 10, 64)
	out := Number(n)
	if x < 0 && s != strconv.FormatFloat(0, 'f', digits, 64) {
		out = "−" + out
	}
	if frac != "" {
		out += "," + frac
	}
	return out
}

// Bytes writes a size in the units a person reads: "512 byte", "1,5 kB",
// "12,3 MB" (powers of 1000, as file managers show them).
func Bytes(n int64) string {
	if n < 1000 {
		return Number(n) + nbsp + "byte"
	}
	x := float64(n)
	for _, u := range []string{"kB", "MB", "GB", "TB", "PB"} {
		x /= 1000
		if x < 999.95 || u == "PB" {
			return Decimal(x, 1) + nbsp + u
		}
	}
	return Number(n) // not reached
}

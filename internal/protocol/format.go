package protocol

import (
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the protocol shows Swedish time on any host
)

// thinSpace groups digits as sv-SE writes them: U+202F NARROW NO-BREAK SPACE.
const thinSpace = "\u202f"

// stockholm is the time zone the protocol's times are shown in.
var stockholm = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// number writes n with sv-SE digit groups: 1 234 567.
func number[T int | int64](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteString("\u2212")
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(thinSpace)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// byteSize writes n as "1 234 567 byte (1,2 MB)", in decimal units.
func byteSize(n int64) string {
	s := number(n) + " byte"
	units := []string{"kB", "MB", "GB", "TB", "PB", "EB"}
	if n < 1000 {
		return s
	}
	v := float64(n)
	u := -1
	for v >= 1000 && u < len(units)-1 {
		v /= 1000
		u++
	}
	return s + " (" + strings.Replace(strconv.FormatFloat(v, 'f', 1, 64), ".", ",", 1) + thinSpace + units[u] + ")"
}

// when writes t in Swedish time with its offset, or "–" for the zero time.
func when(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.In(stockholm).Format("2006-01-02 15:04:05 -07:00")
}

// orDash returns s, or "–" when s is empty, so that a blank in the
// protocol is visibly blank.
func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "–"
	}
	return s
}

// clean folds runs of white space, new lines included, into one space: a
// cell of the PDF is one line of text.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

// short writes the first 12 characters of a hex digest and an ellipsis.
func short(sum string) string {
	if len(sum) <= 16 {
		return sum
	}
	return sum[:12] + "…"
}

// party writes "Name (org.nr 212000-0000)".
func party(p Party) string {
	s := orDash(p.Name)
	if p.OrgNumber != "" {
		s += " (org.nr " + p.OrgNumber + ")"
	}
	return s
}

// actor writes "Name (id)" or the id alone.
func actor(a Actor) string {
	switch {
	case a.Name != "" && a.ID != "":
		return a.Name + " (" + a.ID + ")"
	case a.Name != "":
		return a.Name
	default:
		return orDash(a.ID)
	}
}

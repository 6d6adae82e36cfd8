package ihp

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Plans are typed by hand in Excel, so "Bygglov ", "bygglov" and
// "BYGGLOV" are one ärendetyp and "Ärendetyp" = "arendetyp" is one header.
// fold and foldEqual compare text that way: lower case, without diacritics
// (å, ä, ö, é, ü and the rest of Latin-1 and Latin Extended-A and -B, also
// when written decomposed), spaces trimmed and collapsed.

// bases maps a letter with diacritics to its base letter, from its
// canonical decomposition.
var bases = func() map[rune]rune {
	m := map[rune]rune{}
	for r := rune(0xC0); r < 0x250; r++ {
		d := []rune(norm.NFD.String(string(r)))
		if len(d) > 1 && d[0] < utf8.RuneSelf {
			m[r] = d[0]
		}
	}
	return m
}()

// foldRune is r lower-cased without its diacritics; -1 for a combining
// mark, which is dropped.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	if unicode.Is(unicode.Mn, r) {
		return -1
	}
	if b, ok := bases[r]; ok {
		r = b
	}
	return unicode.ToLower(r)
}

// folder yields the folded runes of a string one by one, so foldEqual
// compares without allocating: Match runs it per rule and record.
type folder struct {
	s       string
	i       int
	started bool
}

// next is the next folded rune, or -1 at the end. A run of spaces is one
// ' ', and none is yielded before the first or after the last other rune.
func (f *folder) next() rune {
	space := false
	for f.i < len(f.s) {
		r, n := utf8.DecodeRuneInString(f.s[f.i:])
		if unicode.IsSpace(r) {
			space = true
			f.i += n
			continue
		}
		r = foldRune(r)
		if r < 0 {
			f.i += n
			continue
		}
		if space && f.started {
			return ' ' // r is read again on the next call
		}
		f.i += n
		f.started = true
		return r
	}
	return -1
}

// fold is s folded, for keys and messages.
func fold(s string) string {
	var b strings.Builder
	f := folder{s: s}
	for r := f.next(); r >= 0; r = f.next() {
		b.WriteRune(r)
	}
	return b.String()
}

// foldEqual reports whether a and b fold to the same text.
func foldEqual(a, b string) bool {
	fa, fb := folder{s: a}, folder{s: b}
	for {
		ra, rb := fa.next(), fb.next()
		if ra != rb {
			return false
		}
		if ra < 0 {
			return true
		}
	}
}

// foldKey is fold without anything but letters and digits, for header names
// and keywords: "Bevaras / Gallras" = "bevaras/gallras" = "bevarasgallras".
func foldKey(s string) string {
	var b strings.Builder
	f := folder{s: s}
	for r := f.next(); r >= 0; r = f.next() {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// normClass is a classification code as matching compares it: without
// spaces and a trailing dot ("2.3." = "2.3"), lower case. It allocates only
// when the code needs cleaning, as hand-typed ones may.
func normClass(c string) string {
	clean := true
	for i := 0; i < len(c); i++ {
		if b := c[i]; b == ' ' || b == '\t' || b >= utf8.RuneSelf || 'A' <= b && b <= 'Z' {
			clean = false
			break
		}
	}
	if !clean {
		c = strings.ToLower(strings.Join(strings.Fields(c), ""))
	}
	return strings.Trim(c, ".")
}

// classSegments is the number of dot segments of a normalised code.
func classSegments(c string) int {
	if c == "" {
		return 0
	}
	return strings.Count(c, ".") + 1
}

// classPrefix reports whether the rule's code is a prefix of the record's
// by whole segments, both normalised: "2.3" of "2.3.1", not of "2.30". The
// empty code is a prefix of every code.
func classPrefix(rule, record string) bool {
	if rule == "" || rule == record {
		return true
	}
	return len(record) > len(rule) && strings.HasPrefix(record, rule) && record[len(rule)] == '.'
}

package ihp

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// fold makes s comparable the way a person reads it: lower case, without
// diacritics ("Ärendetyp" = "arendetyp"), spaces trimmed and collapsed.
// Plans are typed by hand in Excel, so "Bygglov " and "bygglov" are the
// same ärendetyp.
func fold(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if isASCII(s) {
		return strings.ToLower(s)
	}
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

// foldKey is fold without anything but letters and digits, for header names
// and keywords: "Bevaras / Gallras" = "bevaras/gallras" = "bevarasgallras".
func foldKey(s string) string {
	f := fold(s)
	var b strings.Builder
	for _, r := range f {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// classSegments splits a classification code into its dot segments,
// ignoring spaces and a trailing dot ("2.3." = "2.3"), so that matching by
// prefix compares whole segments: "2.3" is a prefix of "2.3.1", not of
// "2.30".
func classSegments(c string) []string {
	c = strings.Trim(strings.ToLower(strings.Join(strings.Fields(c), "")), ".")
	if c == "" {
		return nil
	}
	return strings.Split(c, ".")
}

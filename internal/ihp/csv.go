package ihp

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// csvRows reads a plan saved from Excel: UTF-8 with or without a BOM (or
// Windows-1252, as "CSV (semikolonavgränsad)" saves it), delimited by ";",
// "," or tab as the header line shows, with Excel's optional "sep=;" first
// line. Row numbers are Excel's: a cell holding a line break is still one
// row.
func csvRows(data []byte) ([][]string, []int, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		d, err := charmap.Windows1252.NewDecoder().Bytes(data)
		if err != nil {
			return nil, nil, err
		}
		data = d
	}
	line := 1
	comma := rune(0)
	if first, rest, _ := bytes.Cut(data, []byte("\n")); bytes.HasPrefix(bytes.ToLower(bytes.TrimSpace(first)), []byte("sep=")) {
		if s := strings.TrimSpace(string(first))[4:]; utf8.RuneCountInString(s) == 1 {
			comma, _ = utf8.DecodeRuneInString(s)
		}
		data, line = rest, 2
	}
	if comma == 0 {
		comma = delimiter(data)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = comma
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var rows [][]string
	var nums []int
	extra := 0 // line breaks inside cells so far: Excel shows them within one row
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		l, _ := r.FieldPos(0)
		rows = append(rows, rec)
		nums = append(nums, l+line-1-extra)
		for _, c := range rec {
			extra += strings.Count(c, "\n")
		}
	}
	return rows, nums, nil
}

// delimiter picks the separator the first non-empty line uses most, outside
// quotes: Excel in a Swedish locale writes ";", elsewhere ",".
func delimiter(data []byte) rune {
	for _, l := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		counts := map[rune]int{}
		quoted := false
		for _, c := range string(l) {
			switch {
			case c == '"':
				quoted = !quoted
			case !quoted && (c == ';' || c == ',' || c == '\t'):
				counts[c]++
			}
		}
		best := ';'
		for _, c := range []rune{',', '\t'} {
			if counts[c] > counts[best] {
				best = c
			}
		}
		return best
	}
	return ';'
}

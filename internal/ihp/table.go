package ihp

import (
	"fmt"
	"strings"
)

// maxHeaderSearch is how many non-empty rows above the header a sheet may
// have (a title, the nämnd, a date) before the header is taken as missing.
const maxHeaderSearch = 20

// tableEntries reads the rows of a CSV file or a sheet: rows[i] is on row
// rowNums[i] as a person sees it. The header is the first row naming both
// Regel and Åtgärd; rows above it are titles, empty rows are skipped, and
// unknown columns are ignored.
func tableEntries(rows [][]string, rowNums []int) ([]entry, problems) {
	var ps problems
	first, header := -1, -1
	seen := 0
	for i, r := range rows {
		if blank(r) {
			continue
		}
		if first < 0 {
			first = i
		}
		if cols, _ := headerFields(r); cols[fID] >= 0 && cols[fAction] >= 0 {
			header = i
			break
		}
		if seen++; seen >= maxHeaderSearch {
			break
		}
	}
	if first < 0 {
		ps.add(0, "", "", "planen är tom: ingen rubrikrad och inga regler")
		return nil, ps
	}
	if header < 0 {
		cols, _ := headerFields(rows[first])
		for _, f := range []field{fID, fAction} {
			if cols[f] < 0 {
				ps.add(rowNums[first], fieldCols[f], "", "kolumnen saknas i rubrikraden (den kan heta %s)", synonyms[f])
			}
		}
		return nil, ps
	}
	cols, dups := headerFields(rows[header])
	for _, d := range dups {
		ps.add(rowNums[header], fieldCols[d.f], "", "kolumnen finns två gånger (%s och %s): planen måste säga vilken som gäller", columnLetter(d.first), columnLetter(d.again))
	}
	var out []entry
	for i := header + 1; i < len(rows); i++ {
		r := rows[i]
		if blank(r) {
			continue
		}
		e := entry{row: rowNums[i]}
		for f, c := range cols {
			if c >= 0 && c < len(r) {
				e.cells[f] = r[c]
			}
		}
		if e.heading() {
			continue
		}
		out = append(out, e)
	}
	return out, ps
}

type dupColumn struct {
	f            field
	first, again int
}

// headerFields finds each field's column in a header row (-1 if absent),
// and the fields named twice.
func headerFields(r []string) ([nFields]int, []dupColumn) {
	var cols [nFields]int
	for i := range cols {
		cols[i] = -1
	}
	var dups []dupColumn
	for i, h := range r {
		f, ok := headers[foldKey(h)]
		if !ok {
			continue
		}
		if cols[f] >= 0 {
			dups = append(dups, dupColumn{f, cols[f], i})
			continue
		}
		cols[f] = i
	}
	return cols, dups
}

func blank(r []string) bool {
	for _, c := range r {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// columnLetter names column i (0-based) as Excel does: A, B, ..., Z, AA.
func columnLetter(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return fmt.Sprintf("kolumn %s", s)
}

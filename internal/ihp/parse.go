package ihp

import (
	"bytes"
	"cmp"
	"path"
	"slices"
	"strings"
)

// Parse reads a plan file, choosing the format by the extension of name
// (.csv, .xlsx, .yaml or .yml, .json) or, without a known one, by its
// content. It returns the rules only when the whole plan is valid, and else
// an *ImportError listing every problem by row and column, so no half-read
// plan ever decides a record.
func Parse(name string, data []byte) (Rules, error) {
	var entries []entry
	var ps problems
	switch format(name, data) {
	case "xlsx":
		rows, nums, err := xlsxRows(data)
		if err != nil {
			ps.add(0, "", "", "%v", err)
			break
		}
		entries, ps = tableEntries(rows, nums)
	case "json":
		entries, ps = jsonEntries(data)
	case "yaml":
		entries, ps = yamlEntries(data)
	default:
		rows, nums, err := csvRows(data)
		if err != nil {
			ps.add(0, "", "", "går inte att läsa som CSV: %v", err)
			break
		}
		entries, ps = tableEntries(rows, nums)
	}
	file := ""
	if name != "" {
		file = path.Base(strings.ReplaceAll(name, `\`, "/"))
	}
	if len(ps) > 0 && len(entries) == 0 {
		return nil, ps.err(file)
	}
	rs := make(Rules, 0, len(entries))
	rows := make([]int, 0, len(entries))
	for _, e := range entries {
		rs = append(rs, e.rule(&ps))
		rows = append(rows, e.row)
	}
	// A cell that could not be read leaves its field empty; Validate would
	// then report it a second time, in other words.
	type cell struct {
		row int
		col string
	}
	bad := map[cell]bool{}
	for _, p := range ps {
		bad[cell{p.Row, p.Column}] = true
	}
	for _, p := range rs.validate(rows) {
		if !bad[cell{p.Row, p.Column}] {
			ps = append(ps, p)
		}
	}
	slices.SortStableFunc(ps, func(a, b Problem) int { return cmp.Compare(a.Row, b.Row) })
	if len(rs) == 0 && len(ps) == 0 {
		ps.add(0, "", "", "planen har inga regler")
	}
	if err := ps.err(file); err != nil {
		return nil, err
	}
	return rs, nil
}

// format is the plan's format by extension, else by its first bytes.
func format(name string, data []byte) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".csv", ".txt":
		return "csv"
	case ".xlsx", ".xlsm":
		return "xlsx"
	case ".json":
		return "json"
	case ".yaml", ".yml":
		return "yaml"
	}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return "xlsx"
	}
	t := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return "json"
	}
	for _, l := range bytes.Split(t, []byte("\n")) {
		l = bytes.TrimSpace(l)
		if len(l) == 0 || l[0] == '#' || bytes.Equal(l, []byte("---")) {
			continue
		}
		if bytes.HasPrefix(l, []byte("rules:")) || bytes.HasPrefix(l, []byte("- ")) {
			return "yaml"
		}
		break
	}
	return "csv"
}

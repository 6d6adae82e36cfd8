package ihp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The native form is {"rules": [{...}]} with Rule's JSON keys, in JSON or
// YAML, or just the list. Values are read as the text a table cell would
// hold, so a rule reads the same from every format and every problem is
// reported, each on the line its rule starts (JSON) or its value is (YAML).

var nativeKeys = func() map[string]field {
	m := map[string]field{}
	for f, k := range fieldKeys {
		m[foldKey(k)] = field(f)
	}
	for k, f := range headers { // Swedish column names work as keys too
		m[k] = f
	}
	return m
}()

func unknownKey(ps *problems, row int, key string) {
	ps.add(row, "", "", "okänt fält %q (fälten är %s)", key, strings.Join(fieldKeys[:], ", "))
}

// errReported stops reading a file whose problem is already in the list.
var errReported = errors.New("reported")

// jsonEntries reads the native JSON form.
func jsonEntries(data []byte) ([]entry, problems) {
	var ps problems
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	fail := func(err error) ([]entry, problems) {
		if errors.Is(err, errReported) {
			return nil, ps
		}
		var se *json.SyntaxError
		row := 0
		if errors.As(err, &se) {
			row = lineAt(data, se.Offset, false)
		}
		ps.add(row, "", "", "ingen giltig JSON: %v", err)
		return nil, ps
	}
	tok, err := dec.Token()
	if err != nil {
		return fail(err)
	}
	var out []entry
	// readList reads the list of rules; open is its '[' when already read.
	readList := func(open json.Token) error {
		if open == nil {
			t, err := dec.Token()
			if err != nil {
				return err
			}
			open = t
		}
		if open != json.Delim('[') {
			ps.add(lineAt(data, dec.InputOffset(), false), "", "", "rules ska vara en lista av regler")
			return errReported
		}
		for dec.More() {
			row := lineAt(data, dec.InputOffset(), true)
			var m map[string]any
			if err := dec.Decode(&m); err != nil {
				var te *json.UnmarshalTypeError
				if !errors.As(err, &te) {
					return err
				}
				ps.add(row, "", "", "en regel ska vara ett objekt med fälten %s", strings.Join(fieldKeys[:], ", "))
				continue
			}
			e := entry{row: row}
			for k, v := range m {
				f, ok := nativeKeys[foldKey(k)]
				if !ok {
					unknownKey(&ps, row, k)
					continue
				}
				switch v := v.(type) {
				case nil:
				case string:
					e.cells[f] = v
				case json.Number:
					e.cells[f] = v.String()
				case bool:
					e.cells[f] = fmt.Sprint(v)
				default:
					ps.add(row, fieldCols[f], "", "fältet %s ska vara text", k)
				}
			}
			out = append(out, e)
		}
		_, err := dec.Token() // ']'
		return err
	}
	switch tok {
	case json.Delim('['):
		if err := readList(tok); err != nil {
			return fail(err)
		}
	case json.Delim('{'):
		found := false
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return fail(err)
			}
			if k == "rules" {
				found = true
				if err := readList(nil); err != nil {
					return fail(err)
				}
				continue
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fail(err)
			}
		}
		if !found {
			ps.add(1, "", "", `fältet "rules" saknas: planen skrivs {"rules": [...]}`)
		}
	default:
		ps.add(1, "", "", `planen skrivs {"rules": [...]}`)
	}
	if _, err := dec.Token(); err != nil && !errors.Is(err, io.EOF) {
		return fail(err)
	}
	return out, ps
}

// lineAt is the line (1-based) of byte off in data; with skip, of the next
// value after off, past spaces and a comma.
func lineAt(data []byte, off int64, skip bool) int {
	i := int(min(off, int64(len(data))))
	for skip && i < len(data) && strings.IndexByte(" \t\r\n,", data[i]) >= 0 {
		i++
	}
	return bytes.Count(data[:i], []byte("\n")) + 1
}

// yamlEntries reads the native YAML form.
func yamlEntries(data []byte) ([]entry, problems) {
	var ps problems
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		ps.add(0, "", "", "ingen giltig YAML: %v", err)
		return nil, ps
	}
	if len(doc.Content) == 0 {
		ps.add(0, "", "", "planen är tom: inga regler")
		return nil, ps
	}
	list := doc.Content[0]
	if list.Kind == yaml.MappingNode {
		var rules *yaml.Node
		for i := 0; i+1 < len(list.Content); i += 2 {
			if list.Content[i].Value == "rules" {
				rules = list.Content[i+1]
			}
		}
		if rules == nil {
			ps.add(list.Line, "", "", "fältet rules saknas: planen skrivs rules: med en lista av regler")
			return nil, ps
		}
		list = rules
	}
	if list.Kind != yaml.SequenceNode {
		ps.add(list.Line, "", "", "rules ska vara en lista av regler")
		return nil, ps
	}
	var out []entry
	for _, item := range list.Content {
		if item.Kind != yaml.MappingNode {
			ps.add(item.Line, "", "", "en regel ska vara ett objekt med fälten %s", strings.Join(fieldKeys[:], ", "))
			continue
		}
		e := entry{row: item.Line}
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i], item.Content[i+1]
			f, ok := nativeKeys[foldKey(k.Value)]
			if !ok {
				unknownKey(&ps, k.Line, k.Value)
				continue
			}
			switch {
			case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
			case v.Kind == yaml.ScalarNode:
				e.cells[f] = v.Value
			default:
				ps.add(v.Line, fieldCols[f], "", "fältet %s ska vara text", k.Value)
			}
		}
		out = append(out, e)
	}
	return out, ps
}

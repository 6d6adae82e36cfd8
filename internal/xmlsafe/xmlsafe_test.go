package xmlsafe

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestParse: what is refused, with which kind and line, and that element
// lines come out right around the markup a byte scan must step over.
func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		kind      string // "" accepted
		line      int    // of the error
		lines     []int  // of the elements, accepted documents
	}{
		{name: "plain", doc: "<a>\n<b/>\n<c x='1'>t</c></a>", lines: []int{1, 2, 3}},
		{name: "markup with <", doc: "<?xml version='1.0' encoding='UTF-8'?>\n<!-- <x> -->\n<a><?pi <y>\n?><![CDATA[<z>\n]]>\n<b/></a>", lines: []int{3, 6}},
		{name: "> in attribute", doc: "<a x='>'\n y=\"&lt;\"><b\n/><c/></a>", lines: []int{1, 2, 3}},
		{name: "namespaces", doc: "<m:mets xmlns:m='urn:m'>\n  <m:file/>\n</m:mets>", lines: []int{1, 2}},
		{name: "doctype", doc: "<?xml version='1.0'?>\n<!DOCTYPE a [<!ENTITY b 'c'>]><a>&b;</a>", kind: KindDTD, line: 2},
		{name: "doctype unused", doc: "<!DOCTYPE a>\n<a/>", kind: KindDTD, line: 1},
		{name: "mismatched", doc: "<a>\n<b></a>", kind: KindMalformed, line: 2},
		{name: "unclosed", doc: "<a>\n<b>", kind: KindMalformed},
		{name: "no root", doc: "<!-- nothing -->", kind: KindMalformed},
		{name: "latin-1", doc: "<?xml version='1.0' encoding='ISO-8859-1'?><a/>", kind: KindMalformed},
		{name: "too deep", doc: strings.Repeat("<a>", 5) + strings.Repeat("</a>", 5), kind: KindLimit, line: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := ParseBytes([]byte(tc.doc), Limits{MaxBytes: 1 << 20, MaxDepth: 4})
			if tc.kind != "" {
				var xe *Error
				if !errors.As(err, &xe) || xe.Kind != tc.kind || (tc.line > 0 && xe.Line != tc.line) {
					t.Fatalf("got %v, want %s at line %d", err, tc.kind, tc.line)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, e := range doc.Root().FindElements("//*") {
				got = append(got, doc.Line(e))
			}
			if !reflect.DeepEqual(got, tc.lines) {
				t.Fatalf("lines %v, want %v", got, tc.lines)
			}
			// The byte scan itself (ParseBytes falls back to the tokenizer
			// when they disagree, which would hide a fault here).
			if fast, dtd := startLines([]byte(tc.doc)); dtd != 0 || !reflect.DeepEqual(fast, tc.lines) {
				t.Fatalf("byte scan: lines %v, dtd %d", fast, dtd)
			}
			if slow, err := scan([]byte(tc.doc), DefaultLimits); err != nil || !reflect.DeepEqual(slow, tc.lines) {
				t.Fatalf("tokenizer pass: lines %v, %v", slow, err)
			}
		})
	}
}

// TestStartLinesMatchTokenizer: over every XML file of the samples beside
// the project and packages-sample, the byte scan finds the same element
// lines as the tokenizer pass.
func TestStartLinesMatchTokenizer(t *testing.T) {
	n := 0
	for _, dir := range []string{"../../packages-sample", "../../../shared/samples"} {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".xml") {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			want, err := scan(data, DefaultLimits)
			if err != nil {
				return nil // refused documents take the tokenizer's error
			}
			got, dtd := startLines(data)
			if dtd != 0 || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: byte scan lines differ from the tokenizer's (dtd %d)", p, dtd)
			}
			n++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < 400 {
		t.Fatalf("only %d documents compared; are ../shared/samples beside the project?", n)
	}
}

package xmlsafe

import (
	"slices"
	"strings"
	"testing"

	"github.com/earkiv/earkiv/internal/fgs"
)

// FuzzParseMETS: the safe parser and the METS normaliser must never panic, and
// never accept a document with a DTD.
func FuzzParseMETS(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><mets xmlns="http://www.loc.gov/METS/" OBJID="x" PROFILE="https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"><metsHdr><agent ROLE="CREATOR"><name>a</name></agent></metsHdr><fileSec><fileGrp USE="Documentation"><file ID="f" SIZE="1"><FLocat xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="../x"/></file></fileGrp></fileSec><structMap><div><div LABEL="Representations"><div><mptr/></div></div></div></structMap></mets>`))
	f.Add([]byte(`<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>`))
	f.Add([]byte(`<a><b></a>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxBytes: 1 << 20, MaxDepth: 64}
		doc, err := ParseBytes(data, lim)
		if err != nil {
			return
		}
		// The tokenizer pass accepts what the parser accepted, with the
		// element lines the byte scan found.
		slow, err := scan(data, lim)
		if err != nil {
			t.Fatalf("accepted a document the tokenizer refuses: %v", err)
		}
		if fast, dtd := startLines(data); dtd != 0 || !slices.Equal(fast, slow) {
			t.Fatalf("byte scan lines %v (dtd %d), tokenizer %v", fast, dtd, slow)
		}
		if doc.Root() == nil {
			t.Fatal("accepted a document without root")
		}
		for _, tok := range doc.Child {
			if d, ok := tok.(interface{ Data() string }); ok && len(d.Data()) > 7 && d.Data()[:7] == "DOCTYPE" {
				t.Fatal("accepted a DTD")
			}
		}
		p := fgs.Parse(doc.Root(), doc.Line)
		for _, f := range p.Files {
			if f.Path == "" {
				continue
			}
			if f.Path[0] == '/' || strings.ContainsRune(f.Path, '\\') {
				t.Fatalf("unsafe path accepted: %q", f.Path)
			}
			for _, seg := range strings.Split(f.Path, "/") {
				if seg == ".." || seg == "." || seg == "" {
					t.Fatalf("unsafe or unclean path accepted: %q", f.Path)
				}
			}
		}
	})
}

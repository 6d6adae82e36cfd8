package xsd

import (
	"context"
	"strings"
	"testing"

	"github.com/earkiv/earkiv/schemas"
)

// TestIssuesSayWhatIsWrong: a document the XML parser refuses (a NUL byte,
// invalid UTF-8, an attribute over the token limit, a cut-off document)
// gets an issue whose message names the problem and its column, not an
// empty one.
func TestIssuesSayWhatIsWrong(t *testing.T) {
	fsys, _, err := schemas.Open("")
	if err != nil {
		t.Fatal(err)
	}
	c := New(fsys, Limits{})
	doc := `<premis xmlns="http://www.loc.gov/premis/v3" version="3.0"><object xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="file"><objectIdentifier><objectIdentifierType>a</objectIdentifierType><objectIdentifierValue>b</objectIdentifierValue></objectIdentifier><objectCharacteristics><format><formatDesignation><formatName>x</formatName></formatDesignation></format></objectCharacteristics></object></premis>`
	for _, tc := range []struct{ name, doc, want string }{
		{"NUL byte", strings.Replace(doc, "<formatName>x", "<formatName>x\x00", 1), "NUL"},
		{"invalid UTF-8", strings.Replace(doc, "<formatName>x", "<formatName>x\xff", 1), "UTF-8"},
		{"attribute over the limit", strings.Replace(doc, `version="3.0"`, `version="3.0" foo="`+strings.Repeat("a", 5<<20)+`"`, 1), "limit"},
		{"cut off", doc[:100], "EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			issues, err := c.Validate(context.Background(), PREMIS3, strings.NewReader(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if len(issues) == 0 {
				t.Fatal("no issue")
			}
			m := issues[0].Message
			if !strings.Contains(m, tc.want) || !strings.Contains(m, "column") {
				t.Fatalf("message %q does not say what is wrong (%s) and where", m, tc.want)
			}
		})
	}
}

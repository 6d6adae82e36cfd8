package ihp

import (
	"errors"
	"testing"
)

// FuzzParse feeds Parse what a person may upload as a plan: it must not
// panic, must fail with an *ImportError naming the file, and a plan it
// accepts must pass Validate.
func FuzzParse(f *testing.F) {
	for _, s := range []string{sampleSemicolon, sampleComma, sampleYAML, sampleJSON, header + "1;1;;;Gallras 2 år efter laga kraft;;;;\r\n", `[{"id":"1","action":"bevaras"}]`} {
		f.Add("plan", []byte(s))
	}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		rs, err := Parse(name, data)
		if err != nil {
			var ie *ImportError
			if !errors.As(err, &ie) || len(ie.Problems) == 0 {
				t.Fatalf("Parse error %T %v, want an *ImportError with problems", err, err)
			}
			if rs != nil {
				t.Fatalf("rules with an error")
			}
			return
		}
		if err := rs.Validate(); err != nil {
			t.Fatalf("accepted plan fails Validate: %v", err)
		}
	})
}

package validate

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/earkiv/earkiv/internal/report"
)

// copyPackage copies a sample package folder into a temporary folder.
func copyPackage(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join("..", "..", "packages-sample", name)
	dst := filepath.Join(t.TempDir(), name)
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func toUTF16LE(s string) []byte {
	out := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// TestMetadataAlwaysSchemaChecked: a metadata file is validated whole
// against its schema whatever its name, encoding, or the length of what
// comes before its root; a DTD or a file that is not XML is a finding.
// Each case breaks the PREMIS schema (an element PREMIS does not have) or
// adds a hostile prologue; before, each passed unchecked.
func TestMetadataAlwaysSchemaChecked(t *testing.T) {
	v := validator(t)
	orig, err := os.ReadFile(filepath.Join("..", "..", "packages-sample", "eark-valid-erms", "metadata", "preservation", "premis.xml"))
	if err != nil {
		t.Fatal(err)
	}
	invalid := strings.Replace(string(orig), `version="3.0">`, `version="3.0"><bogus/>`, 1)
	body := strings.TrimPrefix(invalid, `<?xml version="1.0" encoding="UTF-8"?>`)
	const premis = "metadata/preservation/premis.xml"
	for _, tc := range []struct {
		name, file string
		data       []byte
		rule       string
	}{
		{"long comment before the root", premis, []byte(`<?xml version="1.0"?>` + "\n<!--" + strings.Repeat("kommentar ", 20000) + "-->" + body), "XSD-PREMIS"},
		{"UTF-16", premis, toUTF16LE(strings.Replace(invalid, "UTF-8", "UTF-16", 1)), "XSD-PREMIS"},
		{"ISO-8859-1", premis, []byte(`<?xml version="1.0" encoding="ISO-8859-1"?>` + strings.Replace(body, "creation", "skapande \xe5\xe4\xf6", 1)), "XSD-PREMIS"},
		{"wide root start tag", premis, []byte(strings.Replace(invalid, `version="3.0"`, `version="3.0" xmlns:x="urn:x" x:pad="`+strings.Repeat("p", 100<<10)+`"`, 1)), "XSD-PREMIS"},
		{"DOCTYPE with an external entity", premis, []byte(`<?xml version="1.0"?><!DOCTYPE premis [<!ENTITY x SYSTEM "file:///etc/passwd">]>` + strings.Replace(string(orig)[len(`<?xml version="1.0" encoding="UTF-8"?>`):], "creation", "&x;", 1)), "XML-DTD"},
		{"PREMIS named .txt, not listed", "metadata/preservation/events.txt", []byte(`<!DOCTYPE premis [<!ENTITY x SYSTEM "file:///etc/passwd">]>` + body), "XML-DTD"},
		{"PREMIS named .txt with a schema error", "documentation/events.txt", []byte(body), "XSD-PREMIS"},
		{"declared PREMIS that is not XML", premis, []byte("%PDF-1.4 not xml"), "XML-WELLFORMED"},
		{"declared PREMIS, malformed prologue", premis, []byte("<?xml version=\"1.0\"?>\n<!-- never closed"), "XML-WELLFORMED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyPackage(t, "eark-valid-erms")
			if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(tc.file)), tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := v.ValidatePath(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			var got *report.Finding
			for i, f := range res.Report.Findings {
				if f.RuleID == tc.rule && f.Level == report.MUST && (f.Location.File == tc.file || f.Location.Path == tc.file) {
					got = &res.Report.Findings[i]
				}
			}
			if got == nil {
				t.Fatalf("no %s finding on %s; findings: %v", tc.rule, tc.file, res.Report.Findings)
			}
			if got.Message == "" || strings.HasSuffix(got.Message, ": ") {
				t.Fatalf("finding without a message: %+v", got)
			}
		})
	}
}

// TestMetadataEncodingsAccepted: a valid PREMIS file in UTF-16 or
// ISO-8859-1, or behind a long comment, passes its schema.
func TestMetadataEncodingsAccepted(t *testing.T) {
	v := validator(t)
	orig, err := os.ReadFile(filepath.Join("..", "..", "packages-sample", "eark-valid-erms", "metadata", "preservation", "premis.xml"))
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.TrimPrefix(orig, []byte(`<?xml version="1.0" encoding="UTF-8"?>`))
	for name, data := range map[string][]byte{
		"UTF-16":       toUTF16LE(strings.Replace(string(orig), "UTF-8", "UTF-16", 1)),
		"ISO-8859-1":   append([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?>`), bytes.Replace(body, []byte("creation"), []byte("creation \xe5"), 1)...),
		"long comment": append([]byte("<!--"+strings.Repeat("x", 200<<10)+"-->"), body...),
	} {
		t.Run(name, func(t *testing.T) {
			dir := copyPackage(t, "eark-valid-erms")
			if err := os.WriteFile(filepath.Join(dir, "documentation", "events.xml"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := v.ValidatePath(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range res.Report.Findings {
				if strings.HasPrefix(f.RuleID, "XSD-") || strings.HasPrefix(f.RuleID, "XML-") {
					t.Errorf("%s %s at %s", f.RuleID, f.Message, f.Location)
				}
			}
			if res.Metadata["documentation/events.xml"] == "" {
				t.Errorf("events.xml not recorded as metadata: %v", res.Metadata)
			}
		})
	}
}

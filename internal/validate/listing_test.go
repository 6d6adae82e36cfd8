package validate

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/earkiv/earkiv/internal/report"
)

// editFile applies a string replacement to a package file, which must match.
func editFile(t *testing.T, p, old, new string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q", p, old)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestListingDefects: a METS that lists a file with a negative SIZE, or
// the same file twice, and an FGS 1.x package with an unlisted content
// file are invalid; an unlisted schema copy in FGS 1.x stays a warning.
func TestListingDefects(t *testing.T) {
	v := validator(t)
	for _, tc := range []struct {
		name, pkg string
		edit      func(t *testing.T, dir string)
		rule      string
		level     report.Level
	}{
		{"negative SIZE", "eark-valid-erms", func(t *testing.T, dir string) {
			editFile(t, filepath.Join(dir, "METS.xml"), `MIMETYPE="text/plain" SIZE="`, `MIMETYPE="text/plain" SIZE="-`)
		}, "CSIP69", report.MUST},
		{"negative SIZE, FGS 1.x", "fgs1-valid-arenden", func(t *testing.T, dir string) {
			editFile(t, filepath.Join(dir, "mets.xml"), `SIZE="`, `SIZE="-`)
		}, "FGS1-FILE-SIZE", report.MUST},
		{"two file elements, one href", "fgs1-valid-arenden", func(t *testing.T, dir string) {
			editFile(t, filepath.Join(dir, "mets.xml"), "file:///content/arende-0001/handling-0002.txt", "file:///content/arende-0001/handling-0001.txt")
		}, "FILE-DUPLICATE", report.MUST},
		{"unlisted content file, FGS 1.x", "fgs1-valid-arenden", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "content", "arende-0001", "smuggled.txt"), []byte("no checksum\n"), 0o644)
		}, "FILE-UNLISTED", report.MUST},
		{"OBJID of 3000 bytes", "fgs1-valid-arenden", func(t *testing.T, dir string) {
			editFile(t, filepath.Join(dir, "mets.xml"), `OBJID="UUID:fgs1-valid-arenden"`, `OBJID="UUID:`+strings.Repeat("a", 3000)+`"`)
		}, "PKG-ID", report.MUST},
		{"OBJID with a line break", "eark-valid-erms", func(t *testing.T, dir string) {
			editFile(t, filepath.Join(dir, "METS.xml"), `OBJID="`, `OBJID="&#10;`)
		}, "PKG-ID", report.MUST},
		{"unlisted schema copy, FGS 1.x", "fgs1-valid-arenden", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "metadata", "CSPackageMETS.xsd"), []byte("<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"/>\n"), 0o644)
		}, "FILE-UNLISTED", report.SHOULD},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyPackage(t, tc.pkg)
			tc.edit(t, dir)
			res, err := v.ValidatePath(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range res.Report.Findings {
				found = found || f.RuleID == tc.rule && f.Level == tc.level
			}
			if !found {
				t.Fatalf("no %s %s finding: %v", tc.level, tc.rule, res.Report.Findings)
			}
			if res.Report.Valid != (tc.level != report.MUST) {
				t.Fatalf("valid = %v: %v", res.Report.Valid, res.Report.Findings)
			}
		})
	}
}

package samplegen

import (
	"context"
	"io/fs"
	"testing"

	"github.com/earkiv/earkiv/internal/pkgfs"
	"github.com/earkiv/earkiv/internal/records"

	"github.com/earkiv/earkiv/internal/fgs"
	"github.com/earkiv/earkiv/internal/fixity"
	"github.com/earkiv/earkiv/internal/report"
	"github.com/earkiv/earkiv/internal/validate"
	"github.com/earkiv/earkiv/schemas"
)

// Generated packages of both families, any shape, validate clean.
func TestGeneratedPackagesAreValid(t *testing.T) {
	fsys, v := testValidator(t)
	for _, tc := range []struct {
		name string
		spec Spec
	}{
		{"fgs1 small", Spec{Family: fgs.FamilyFGS1, Cases: 2, Files: 3, Size: 500, Checksum: fixity.MD5}},
		{"fgs1 sha512", Spec{Family: fgs.FamilyFGS1, Cases: 1, Files: 1, Size: 70000, Checksum: fixity.SHA512}},
		{"eark small", Spec{Family: fgs.FamilyEARK, Cases: 3, Files: 2, Size: 1000, Schemas: fsys}},
		{"eark no schemas", Spec{Family: fgs.FamilyEARK, Cases: 1, Files: 1, Size: 10, Checksum: fixity.SHA1}},
		{"fgs1 with plan fields", Spec{Family: fgs.FamilyFGS1, Cases: 2, Files: 2, Size: 100, Class: "2.3.1", CaseType: "Bygglov", DocType: "Ansökan", Closed: "2020-05-30"}},
		{"eark with plan fields", Spec{Family: fgs.FamilyEARK, Cases: 2, Files: 2, Size: 100, Class: "2.3.1", CaseType: "Bygglov", DocType: "Ansökan", Closed: "2020-05-30"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, err := Generate(context.Background(), t.TempDir(), tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			res, err := v.ValidatePath(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range res.Report.Findings {
				if f.Level != report.MAY && !(tc.spec.Schemas == nil && (f.RuleID == "CSIP113" || f.RuleID == "CSIP97")) {
					t.Errorf("%s %s: %s at %s", f.Severity, f.RuleID, f.Message, f.Location)
				}
			}
			if tc.spec.Class != "" {
				pkg, err := pkgfs.Open(dir, pkgfs.Limits{})
				if err != nil {
					t.Fatal(err)
				}
				cases := records.Describe(pkg, res.Metadata)
				if len(cases) != tc.spec.Cases {
					t.Fatalf("described %d cases, want %d", len(cases), tc.spec.Cases)
				}
				for _, c := range cases {
					if c.Classification != tc.spec.Class || c.CaseType != tc.spec.CaseType || c.Closed[:10] != tc.spec.Closed || c.Documents[0].Type != tc.spec.DocType {
						t.Errorf("case %+v: plan fields not read back", c)
					}
				}
			}
			// The same package as .tar.gz (streamed, not random access) and .zip.
			for _, kind := range []string{"tgz", "zip"} {
				out := t.TempDir()
				name, err := place(dir, out, kind)
				if err != nil {
					t.Fatal(err)
				}
				r2, err := v.ValidatePath(context.Background(), out+"/"+name)
				if err != nil {
					t.Fatal(err)
				}
				if !r2.Report.Valid || r2.Report.Files != res.Report.Files || len(r2.Report.Checksums) != len(res.Report.Checksums) {
					t.Errorf("%s: valid=%v files=%d, want valid with %d files: %v", kind, r2.Report.Valid, r2.Report.Files, res.Report.Files, r2.Report.RuleIDs("SHOULD"))
				}
			}
			want := tc.spec.Cases*tc.spec.Files + 3
			if tc.spec.Family == fgs.FamilyEARK {
				want++ // documentation
			}
			if tc.spec.Schemas != nil {
				want += 4
			}
			if res.Report.Files != want {
				t.Errorf("files = %d, want %d", res.Report.Files, want)
			}
		})
	}
}

// testValidator returns the schema tree and a validator over it.
func testValidator(t *testing.T) (fs.FS, *validate.Validator) {
	t.Helper()
	fsys, _, err := schemas.Open("")
	if err != nil {
		t.Fatal(err)
	}
	v, err := validate.New(fsys, validate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return fsys, v
}

package validate

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/earkiv/earkiv/internal/fgs"
)

// TestMetadataFiles: a validated package names its metadata files by root
// namespace (what ingest reads cases from), and never a METS document.
func TestMetadataFiles(t *testing.T) {
	v := validator(t)
	for _, tc := range []struct {
		name string
		want map[string]string
	}{
		{"eark-valid-erms", map[string]string{
			"metadata/descriptive/erms.xml":    fgs.NSERMS,
			"metadata/preservation/premis.xml": fgs.NSPREMIS,
		}},
		{"fgs1-valid-arenden", map[string]string{
			"content/arendehantering.xml": fgs.NSFGSERM,
			"metadata/premis.xml":         fgs.NSPREMIS,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := v.ValidatePath(context.Background(), filepath.Join("..", "..", "packages-sample", tc.name))
			if err != nil {
				t.Fatal(err)
			}
			if !res.Report.Valid {
				t.Fatalf("invalid: %v", res.Report.Findings)
			}
			if !reflect.DeepEqual(res.Metadata, tc.want) {
				t.Fatalf("metadata files %v, want %v", res.Metadata, tc.want)
			}
		})
	}
}

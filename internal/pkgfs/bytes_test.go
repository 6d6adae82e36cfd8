package pkgfs

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestOpenBytesMatchesOpen: an archive opened from memory lists the same
// root name and entries, yields the same bytes, and is refused for the same
// defects as the same archive opened from its file.
func TestOpenBytesMatchesOpen(t *testing.T) {
	for _, tc := range []struct {
		file   string
		defect string // "" when the archive opens
	}{
		{"eark-valid-zip.zip", ""},
		{"fgs1-valid-md5.tar", ""},
		{"eark-absolute-path.tar", DefectPath},
		{"eark-duplicate-entry.zip", DefectDuplicate},
		{"eark-zip-bomb.zip", DefectBomb},
		{"eark-zip-slip.zip", DefectPath},
		{"fgs1-hardlink.tar.gz", DefectLink},
		{"fgs1-symlink.tar", DefectLink},
	} {
		t.Run(tc.file, func(t *testing.T) {
			p := filepath.Join("..", "..", "packages-sample", tc.file)
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			fromFile, ferr := Open(p, Limits{})
			fromMem, merr := OpenBytes(tc.file, data, Limits{})
			if tc.defect != "" {
				for _, err := range []error{ferr, merr} {
					var d *Defect
					if !errors.As(err, &d) || d.Kind != tc.defect {
						t.Fatalf("want %s, got %v (file) and %v (memory)", tc.defect, ferr, merr)
					}
				}
				return
			}
			if ferr != nil || merr != nil {
				t.Fatalf("open: %v (file), %v (memory)", ferr, merr)
			}
			defer fromFile.Close()
			defer fromMem.Close()
			if fromFile.Name() != fromMem.Name() || !reflect.DeepEqual(fromFile.Entries(), fromMem.Entries()) || len(fromMem.Entries()) == 0 {
				t.Fatalf("file %s %v, memory %s %v", fromFile.Name(), fromFile.Entries(), fromMem.Name(), fromMem.Entries())
			}
			if fromMem.Concurrent() != fromFile.Concurrent() {
				t.Fatalf("concurrent: file %v, memory %v", fromFile.Concurrent(), fromMem.Concurrent())
			}
			contents := func(p Package) map[string]string {
				out := map[string]string{}
				if err := p.Walk(context.Background(), func(e Entry, r io.Reader) error {
					b, err := io.ReadAll(r)
					out[e.Name] = string(b)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				return out
			}
			if a, b := contents(fromFile), contents(fromMem); !reflect.DeepEqual(a, b) {
				t.Fatalf("contents differ")
			}
		})
	}
	if _, err := OpenBytes("x.bin", []byte("not an archive"), Limits{}); err == nil {
		t.Fatal("plain bytes opened as a package")
	}
}

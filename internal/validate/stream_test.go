package validate

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/earkiv/earkiv/internal/pkgfs"
	"github.com/earkiv/earkiv/internal/report"
)

// TestStreamedMatchesFile: a package read in order from a stream (hashed
// with SHA-256 while indexed, other algorithms in a second pass) gets the
// same verdict, rules and digests as the same package opened from disk.
func TestStreamedMatchesFile(t *testing.T) {
	v := validator(t)
	for _, name := range []string{"eark-valid-erms", "eark-bad-checksum", "fgs1-valid-arenden", "fgs1-bad-checksum", "fgs1-valid-md5.tar"} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join("..", "..", "packages-sample", name)
			data := tarOf(t, p)
			passes := 0
			open := func() (io.ReadCloser, error) { passes++; return io.NopCloser(bytes.NewReader(data)), nil }
			fromFile, pf, err := v.ValidateOpen(context.Background(), name, func() (pkgfs.Package, error) { return pkgfs.Open(p, pkgfs.Limits{}) })
			if err != nil {
				t.Fatal(err)
			}
			pf.Close()
			streamed, ps, err := v.ValidateOpen(context.Background(), name, func() (pkgfs.Package, error) { return pkgfs.OpenTarStream(name, false, open, pkgfs.Limits{}) })
			if err != nil {
				t.Fatal(err)
			}
			ps.Close()
			if fromFile.Report.Valid != streamed.Report.Valid || !reflect.DeepEqual(fromFile.Report.RuleIDs(report.MUST), streamed.Report.RuleIDs(report.MUST)) {
				t.Fatalf("file: valid %v %v; streamed: valid %v %v", fromFile.Report.Valid, fromFile.Report.RuleIDs(report.MUST), streamed.Report.Valid, streamed.Report.RuleIDs(report.MUST))
			}
			if len(fromFile.Digests) == 0 || !reflect.DeepEqual(fromFile.Digests, streamed.Digests) {
				t.Fatalf("digests differ:\nfile     %v\nstreamed %v", fromFile.Digests, streamed.Digests)
			}
			// SHA-256 only: one pass (indexing); MD5 declared: a second.
			want := 1
			if name == "fgs1-valid-md5.tar" {
				want = 2
			}
			if passes != want {
				t.Fatalf("%d passes over the stream, want %d", passes, want)
			}
		})
	}
}

// tarOf returns a tar file's bytes, or a folder packed as a tar.
func tarOf(t *testing.T, p string) []byte {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(filepath.Dir(p), path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: filepath.ToSlash(rel), Size: int64(len(b)), Mode: 0o644}); err != nil {
			return err
		}
		_, err = tw.Write(b)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

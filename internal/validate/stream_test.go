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
	"strings"
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

// TestSHA256By: validation names the METS that declares each file's SHA-256,
// only where the declaration matches the bytes read.
func TestSHA256By(t *testing.T) {
	v := validator(t)
	for _, c := range []struct {
		name       string
		allContent bool // every content file has its declaring METS
		none       bool // no file has one (MD5 declared)
	}{
		{"eark-valid-erms", true, false},
		{"fgs1-valid-arenden", true, false},
		{"eark-bad-checksum", false, false},
		{"fgs1-bad-checksum", false, false},
		{"fgs1-valid-md5.tar", false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := v.ValidatePath(context.Background(), filepath.Join("..", "..", "packages-sample", c.name))
			if err != nil {
				t.Fatal(err)
			}
			if c.none != (len(res.SHA256By) == 0) {
				t.Fatalf("declaring METS: %v", res.SHA256By)
			}
			content, declared := 0, 0
			for p := range res.Digests {
				by, ok := res.SHA256By[p]
				if ok && (p == res.METS || by != res.METS && !IsRepresentationMETS(by)) {
					t.Errorf("%s declared by %q", p, by)
				}
				if strings.Contains(p, "handling-") {
					content++
					if ok {
						declared++
					}
				}
			}
			if content == 0 || c.allContent != (declared == content) {
				t.Fatalf("%d of %d content files have their declaring METS: %v", declared, content, res.SHA256By)
			}
		})
	}
}

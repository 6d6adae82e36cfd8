package pkgfs

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
)

var testLimits = Limits{MaxEntries: 1000, MaxEntrySize: 1 << 30, MaxTotalSize: 1 << 30, MaxRatio: 200, RatioMinBytes: 1 << 20, MaxNameLength: 255}

// zipOf packs files (name, body) into a zip; method is zip.Store or zip.Deflate.
func zipOf(t *testing.T, method uint16, files ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i := 0; i+1 < len(files); i += 2 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: files[i], Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(files[i+1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// central returns the offset of the n-th central directory record.
func central(t *testing.T, data []byte, n int) int {
	t.Helper()
	off := -1
	for i := 0; i <= n; i++ {
		j := bytes.Index(data[off+1:], []byte("PK\x01\x02"))
		if j < 0 {
			t.Fatalf("no central record %d", n)
		}
		off += 1 + j
	}
	return off
}

// readAll opens a package and reads every entry whole, returning the first error.
func readAll(data []byte) error {
	pkg, err := OpenBytes("p.zip", data, testLimits)
	if err != nil {
		return err
	}
	defer pkg.Close()
	return pkg.Walk(context.Background(), func(e Entry, r io.Reader) error {
		_, err := io.Copy(io.Discard, r)
		return err
	})
}

func wantDefect(t *testing.T, err error, kind, entry string) {
	t.Helper()
	var d *Defect
	if !errors.As(err, &d) {
		t.Fatalf("got %v (%T), want a %s defect", err, err, kind)
	}
	if d.Kind != kind || !strings.HasSuffix(d.Entry, entry) || d.Msg == "" {
		t.Fatalf("got defect %s %q %q, want %s on %s", d.Kind, d.Entry, d.Msg, kind, entry)
	}
}

// TestZipDamage: an archive whose stored bytes are damaged is an invalid
// package (a Defect naming the entry), not a failure to read it.
func TestZipDamage(t *testing.T) {
	body := strings.Repeat("Kommunstyrelsens protokoll 2019-04-01. ", 200)
	for _, tc := range []struct {
		name   string
		kind   string
		break_ func(t *testing.T, data []byte)
	}{
		{"stored entry with a wrong CRC", DefectCorrupt, func(t *testing.T, data []byte) {
			data[central(t, data, 1)+16] ^= 0xff
		}},
		{"deflated entry with a wrong CRC", DefectCorrupt, func(t *testing.T, data []byte) {
			data[central(t, data, 1)+16] ^= 0xff
		}},
		{"corrupt deflate data", DefectCorrupt, func(t *testing.T, data []byte) {
			i := bytes.Index(data, []byte("pkg/content/a.txt")) + len("pkg/content/a.txt")
			for k := i + 4; k < i+40; k++ {
				data[k] = 0xff
			}
		}},
		{"more data than the header declares", DefectCorrupt, func(t *testing.T, data []byte) {
			c := central(t, data, 1)
			binary.LittleEndian.PutUint32(data[c+24:], uint32(len(body)-100))
		}},
		{"local header names the entry differently", DefectFormat, func(t *testing.T, data []byte) {
			i := bytes.Index(data, []byte("pkg/content/a.txt"))
			copy(data[i:], "pkg/content/b.txt")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := zip.Deflate
			if strings.HasPrefix(tc.name, "stored") {
				method = zip.Store
			}
			data := zipOf(t, method, "pkg/METS.xml", "<mets/>", "pkg/content/a.txt", body)
			if err := readAll(data); err != nil {
				t.Fatalf("intact archive: %v", err)
			}
			tc.break_(t, data)
			wantDefect(t, readAll(data), tc.kind, "content/a.txt")
		})
	}
}

// failingReaderAt fails every read past an offset, as a disk or a package
// store can.
type failingReaderAt struct {
	data  []byte
	after int64
}

var errStore = errors.New("package store: connection reset")

func (f failingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.after && off < int64(len(f.data))-1024 {
		return 0, errStore
	}
	return bytes.NewReader(f.data).ReadAt(p, off)
}

// TestSourceErrorsStayErrors: a read error from the package's source is an
// outage (a plain error, retried), never blamed on the producer.
func TestSourceErrorsStayErrors(t *testing.T) {
	t.Run("zip", func(t *testing.T) {
		data := zipOf(t, zip.Store, "pkg/METS.xml", "<mets/>", "pkg/content/a.txt", strings.Repeat("x", 5000))
		pkg, err := openArchive(failingReaderAt{data: data, after: 60}, io.NopCloser(nil), int64(len(data)), "p.zip", testLimits)
		if err == nil {
			err = pkg.Walk(context.Background(), func(e Entry, r io.Reader) error { _, err := io.Copy(io.Discard, r); return err })
		}
		var d *Defect
		if !errors.Is(err, errStore) || errors.As(err, &d) {
			t.Fatalf("got %v, want the store's error and no defect", err)
		}
	})
	for _, gz := range []bool{false, true} {
		t.Run(map[bool]string{false: "tar stream", true: "tar.gz stream"}[gz], func(t *testing.T) {
			data := tarOf(t, gz, "pkg/METS.xml", "<mets/>", "pkg/content/a.txt", strings.Repeat("x", 50000))
			open := func() (io.ReadCloser, error) {
				return io.NopCloser(io.MultiReader(bytes.NewReader(data[:len(data)/2]), iotestErr{})), nil
			}
			_, err := OpenTarStream("p.tar", gz, open, testLimits)
			var d *Defect
			if !errors.Is(err, errStore) || errors.As(err, &d) {
				t.Fatalf("got %v, want the store's error and no defect", err)
			}
		})
	}
}

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errStore }

func tarOf(t *testing.T, gz bool, files ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	var w io.Writer = &b
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(&b)
		w = zw
	}
	tw := tar.NewWriter(w)
	for i := 0; i+1 < len(files); i += 2 {
		tw.WriteHeader(&tar.Header{Name: files[i], Mode: 0o644, Size: int64(len(files[i+1])), Typeflag: tar.TypeReg})
		tw.Write([]byte(files[i+1]))
	}
	tw.Close()
	if zw != nil {
		zw.Close()
	}
	return b.Bytes()
}

// TestGzipTrailer: a tar.gz whose gzip CRC-32 does not match is damaged.
func TestGzipTrailer(t *testing.T) {
	data := tarOf(t, true, "pkg/METS.xml", "<mets/>", "pkg/content/a.txt", "hello")
	if _, err := OpenBytes("p.tar.gz", data, testLimits); err != nil {
		t.Fatalf("intact archive: %v", err)
	}
	data[len(data)-8] ^= 0xff // CRC-32 in the trailer
	_, err := OpenBytes("p.tar.gz", data, testLimits)
	wantDefect(t, err, DefectCorrupt, "")
}

package pkgfs

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
)

// TestOpenTarStream: a tar read from an in-order source is indexed and
// walked with one read of the source per pass, and its XML files open from
// the cache; unsafe entries are refused as for files.
func TestOpenTarStream(t *testing.T) {
	mk := func(entries map[string]string, order []string) []byte {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, n := range order {
			tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: n, Size: int64(len(entries[n])), Mode: 0o644})
			tw.Write([]byte(entries[n]))
		}
		tw.Close()
		return buf.Bytes()
	}
	files := map[string]string{"pkg/METS.xml": "<mets/>", "pkg/data/a.txt": "alpha", "pkg/data/b.txt": "beta"}
	data := mk(files, []string{"pkg/METS.xml", "pkg/data/a.txt", "pkg/data/b.txt"})
	opens := 0
	open := func() (io.ReadCloser, error) { opens++; return io.NopCloser(bytes.NewReader(data)), nil }
	p, err := OpenTarStream("sub-1", false, open, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Concurrent() || len(p.Entries()) != 3 || opens != 1 {
		t.Fatalf("concurrent=%v entries=%v opens=%d", p.Concurrent(), p.Entries(), opens)
	}
	rc, err := p.Open("METS.xml")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	if string(b) != "<mets/>" || opens != 1 {
		t.Fatalf("cached METS %q, opens %d", b, opens)
	}
	got := map[string]string{}
	err = p.Walk(context.Background(), func(e Entry, r io.Reader) error {
		b, err := io.ReadAll(r)
		got[e.Name] = string(b)
		return err
	})
	if err != nil || got["data/b.txt"] != "beta" || len(got) != 3 || opens != 2 {
		t.Fatalf("walk %v %v opens %d", got, err, opens)
	}
	bad := mk(map[string]string{"../evil": "x"}, []string{"../evil"})
	_, err = OpenTarStream("sub-2", false, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(bad)), nil }, Limits{})
	var d *Defect
	if !errors.As(err, &d) || d.Kind != DefectPath {
		t.Fatalf("unsafe path: %v", err)
	}
}

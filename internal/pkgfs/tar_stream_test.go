package pkgfs

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
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

// recorder is a Tee writer that keeps what it got and how it was closed;
// fail makes its writes fail after the first.
type recorder struct {
	buf    bytes.Buffer
	closed bool
	err    error
	fail   bool
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.fail && r.buf.Len() > 0 {
		return 0, errors.New("upload failed")
	}
	return r.buf.Write(p)
}

func (r *recorder) CloseWithError(err error) error { r.closed, r.err = true, err; return nil }

// TestOpenTarStreamTee: the tee is offered every file in tar order with its
// stored name and size, gets its bytes and is closed with nil; a failing
// tee writer does not stop the scan; a file cut short closes the tee with
// the error.
func TestOpenTarStreamTee(t *testing.T) {
	body := bytes.Repeat([]byte("handling "), 100000) // several copy buffers
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := []string{"pkg/METS.xml", "pkg/data/a.bin", "pkg/data/b.bin"}
	bodies := map[string][]byte{"pkg/METS.xml": []byte("<mets/>"), "pkg/data/a.bin": body, "pkg/data/b.bin": body[:1000]}
	for _, n := range names {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: n, Size: int64(len(bodies[n])), Mode: 0o644})
		tw.Write(bodies[n])
	}
	tw.Close()
	data := buf.Bytes()

	got := map[string]*recorder{}
	var order []string
	tee := func(name string, size int64) EntryWriter {
		if size != int64(len(bodies[name])) {
			t.Errorf("%s: size %d", name, size)
		}
		order = append(order, name)
		r := &recorder{fail: name == "pkg/data/a.bin"}
		got[name] = r
		return r
	}
	p, err := OpenTarStreamTee("sub", false, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }, Limits{}, tee)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Entries()) != 3 || strings.Join(order, " ") != strings.Join(names, " ") {
		t.Fatalf("entries %v, tee order %v", p.Entries(), order)
	}
	for _, n := range names {
		r := got[n]
		if !r.closed || r.err != nil {
			t.Errorf("%s: closed %v with %v", n, r.closed, r.err)
		}
		if n != "pkg/data/a.bin" && !bytes.Equal(r.buf.Bytes(), bodies[n]) {
			t.Errorf("%s: tee got %d bytes, want %d", n, r.buf.Len(), len(bodies[n]))
		}
	}
	if sum, ok := p.(Summed).SHA256("data/a.bin"); !ok || len(sum) != 32 {
		t.Error("the file whose tee failed was not hashed")
	}

	got = map[string]*recorder{}
	order = nil
	cut := data[:len(data)-1024-1024+500] // end blocks and b.bin's padded data off, then 500 bytes of it back
	if _, err := OpenTarStreamTee("sub", false, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(cut)), nil }, Limits{}, tee); err == nil {
		t.Fatal("a cut tar was read whole")
	}
	if r := got["pkg/data/b.bin"]; r == nil || !r.closed || r.err == nil {
		t.Errorf("the cut file's tee: closed %v with %v", r.closed, r.err)
	}
}

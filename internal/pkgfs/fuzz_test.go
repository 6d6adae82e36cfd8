package pkgfs

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpenArchive feeds arbitrary bytes to the zip and tar readers: they must never
// panic, never list an unsafe name, and never read past an entry's size.
func FuzzOpenArchive(f *testing.F) {
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("pkg/METS.xml")
	w.Write([]byte("<mets/>"))
	zw.Close()
	f.Add(zb.Bytes())
	if b, err := os.ReadFile(filepath.Join("..", "..", "packages-sample", "fgs1-symlink.tar")); err == nil {
		f.Add(b[:min(len(b), 8192)])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pkg, err := OpenBytes("p.bin", data, Limits{MaxEntries: 1000, MaxEntrySize: 1 << 20, MaxTotalSize: 4 << 20, MaxRatio: 100, RatioMinBytes: 1 << 16, MaxNameLength: 255})
		if err != nil {
			return
		}
		defer pkg.Close()
		for _, e := range pkg.Entries() {
			if c, err := CleanName(e.Name, 0); err != nil || c != e.Name {
				t.Fatalf("unsafe name listed: %q", e.Name)
			}
		}
		_ = pkg.Walk(context.Background(), func(e Entry, r io.Reader) error {
			n, _ := io.Copy(io.Discard, r)
			if n > e.Size {
				t.Fatalf("%s: read %d bytes, entry size %d", e.Name, n, e.Size)
			}
			return nil
		})
	})
}

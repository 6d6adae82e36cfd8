package pack

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTar: a folder goes out as a tar holding its files and folders under
// the folder's name, the size estimate that picks the chunk size is not
// below the real size (also for long Swedish names, which need PAX records),
// files come metadata first (root files, then other METS files), and a link
// is refused.
func TestTar(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "paket")
	long := strings.Repeat("överförmyndarnämnden-", 10) + "handling.pdf"
	files := map[string]string{"METS.xml": "<mets/>", "data/a.txt": "a", "data/" + long: strings.Repeat("x", 1000), "tom.txt": "",
		"0-bilagor/b.txt": "b", "representations/r1/METS.xml": "<mets/>", "representations/r1/data/c.txt": "c"}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	entries, est, err := List(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	sums := map[string]string{}
	if err := Tar(ctx, &buf, dir, entries, sums); err != nil {
		t.Fatal(err)
	}
	if int64(buf.Len()) > est {
		t.Errorf("tar is %d bytes, estimate %d", buf.Len(), est)
	}
	got := map[string]string{}
	var order []string
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeDir {
			continue
		}
		b, _ := io.ReadAll(tr)
		got[strings.TrimPrefix(h.Name, "paket/")] = string(b)
		order = append(order, strings.TrimPrefix(h.Name, "paket/"))
	}
	if want := "METS.xml tom.txt representations/r1/METS.xml 0-bilagor/b.txt"; strings.Join(order[:4], " ") != want {
		t.Errorf("tar order %v, want %s first", order, want)
	}
	// The metadata files' SHA-256, by name in the tar, and no other file's.
	if len(sums) != 3 {
		t.Errorf("sums of %d files, want 3: %v", len(sums), sums)
	}
	for _, name := range []string{"METS.xml", "tom.txt", "representations/r1/METS.xml"} {
		sum := sha256.Sum256([]byte(files[name]))
		if got := sums["paket/"+name]; got != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: sum %q", name, got)
		}
	}
	if len(got) != len(files) {
		t.Fatalf("tar holds %d files, want %d: %v", len(got), len(files), got)
	}
	for name, body := range files {
		if got[name] != body {
			t.Errorf("%s: %q, want %q", name, got[name], body)
		}
	}

	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "data", "link")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := List(ctx, dir); err == nil || !strings.Contains(err.Error(), "links are not accepted") {
		t.Fatalf("link: %v", err)
	}
}

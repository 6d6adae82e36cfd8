package validate

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/pkgfs"
)

// peakHeap runs fn and returns the highest heap in use seen while it ran,
// above what was in use before.
func peakHeap(t *testing.T, fn func()) uint64 {
	t.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	peak := base
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	fn()
	close(stop)
	wg.Wait()
	return peak - base
}

// TestMETSCommentsCostNoMemory: a METS that is mostly comments validates
// within a heap bounded by its real content, not by its size (before, the
// document was held whole and its comments kept in the model: about 2.3
// times its size). The -short case is the same shape, smaller.
func TestMETSCommentsCostNoMemory(t *testing.T) {
	v := validator(t)
	size := 300 << 20
	if testing.Short() {
		size = 48 << 20
	}
	dir := copyPackage(t, "eark-valid-erms")
	p := filepath.Join(dir, "METS.xml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("?>")) + 2
	var buf bytes.Buffer
	buf.Write(b[:i])
	buf.WriteString("<!--")
	buf.Write(bytes.Repeat([]byte("kommentar "), size/10))
	buf.WriteString("-->")
	buf.Write(b[i:])
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	buf = bytes.Buffer{}
	b = nil
	debug.FreeOSMemory()
	var valid bool
	peak := peakHeap(t, func() {
		res, err := v.ValidatePath(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		valid = res.Report.Valid
		if !valid {
			t.Errorf("findings: %v", res.Report.Findings)
		}
	})
	t.Logf("METS of %d MiB: peak heap %d MiB above the start", size>>20, peak>>20)
	if limit := uint64(64 << 20); peak > limit {
		t.Fatalf("peak heap %d MiB above the start, want under %d MiB for a METS of %d MiB that is mostly one comment", peak>>20, limit>>20, size>>20)
	}
}

// TestMemoryNeedHolds: validating a zip of many tiny files (each one
// unlisted, so each also costs a finding) stays within MemoryNeed.
func TestMemoryNeedHolds(t *testing.T) {
	v := validator(t)
	n := 100_000
	if testing.Short() {
		n = 20_000
	}
	src := filepath.Join("..", "..", "packages-sample", "eark-valid-erms")
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		w, _ := zw.Create("pkg/" + filepath.ToSlash(rel))
		b, _ := os.ReadFile(p)
		w.Write(b)
		return nil
	})
	for i := range n {
		w, _ := zw.Create(fmt.Sprintf("pkg/representations/rep1/data/extra/f%06d.txt", i))
		fmt.Fprintf(w, "%d\n", i)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	data := zb.Bytes()
	pkg, err := pkgfs.OpenBytes("p.zip", data, pkgfs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	need := v.MemoryNeed(pkg)
	pkg.Close()
	peak := peakHeap(t, func() {
		res, pkg, err := v.ValidateOpen(context.Background(), "p.zip", func() (pkgfs.Package, error) { return pkgfs.OpenBytes("p.zip", data, pkgfs.Limits{}) })
		if err != nil {
			t.Fatal(err)
		}
		pkg.Close()
		if res.Report.Valid {
			t.Error("unlisted files passed")
		}
	})
	t.Logf("%d files: peak heap %d MiB, MemoryNeed %d MiB", n, peak>>20, need>>20)
	if int64(peak) > need {
		t.Fatalf("peak heap %d MiB over MemoryNeed %d MiB", peak>>20, need>>20)
	}
}

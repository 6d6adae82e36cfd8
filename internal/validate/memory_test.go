package validate

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"
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

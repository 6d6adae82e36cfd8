package ingest_test

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/ingest"
	"github.com/earkiv/earkiv/internal/testenv"
)

// TestMemoryBudget: with a budget that one package's need fills, four
// workers validate one package at a time, and every package is still
// ingested; the whole budget is given back.
func TestMemoryBudget(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var inUse, most, granted int64
	e.startWorker(func(c *ingest.Config) {
		c.Concurrency = 4
		c.MemoryBudget = 1 << 20 // below any package's estimate (32 MiB at least)
		c.Hook = func(stage, detail string) {
			n, _ := strconv.ParseInt(detail, 10, 64)
			mu.Lock()
			defer mu.Unlock()
			switch stage {
			case "memory-granted":
				inUse += n
				granted++
				most = max(most, inUse)
			case "memory-released":
				inUse -= n
			}
		}
	})
	var ids []string
	for _, s := range []string{"fgs1-valid-arenden", "eark-valid-zip.zip", "eark-valid-erms", "fgs1-valid-arenden"} {
		ids = append(ids, e.submit("alfa", sample(t, s)))
	}
	for _, id := range ids {
		if r := e.receipt("alfa", id, time.Minute); !r.OK() {
			t.Errorf("%s: %s %s", id, r.Status, r.Reason)
		}
	}
	// The grant is given back once the job has ended, just after its receipt.
	testenv.Eventually(t, 10*time.Second, func() error {
		mu.Lock()
		defer mu.Unlock()
		if inUse != 0 {
			return fmt.Errorf("%d bytes of the memory budget still granted", inUse)
		}
		return nil
	})
	mu.Lock()
	defer mu.Unlock()
	if granted != 4 || most != 1<<20 || inUse != 0 {
		t.Fatalf("%d grants, at most %d bytes at once, %d still held; want 4, %d, 0", granted, most, inUse, 1<<20)
	}
}

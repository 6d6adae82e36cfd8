package ingest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/testenv"
)

// TestDamagedZipRejected: a zip with a wrong CRC-32 is the producer's
// fault: rejected at once with the rule id, not retried as an outage
// until it fails.
func TestDamagedZipRejected(t *testing.T) {
	e := newEnv(t)
	e.startWorker()
	p := testenv.DamagedZip(t, sample(t, "eark-valid-zip.zip"), "eark-valid-zip/representations/rep1/data/arende-0001/handling-0002.txt")
	r := e.receipt("alfa", e.submit("alfa", p), 30*time.Second)
	if r.Status != earkiv.Rejected || !strings.Contains(r.Reason, "PKG-CORRUPT") {
		t.Fatalf("receipt %s %q, want rejected under PKG-CORRUPT", r.Status, r.Reason)
	}
}

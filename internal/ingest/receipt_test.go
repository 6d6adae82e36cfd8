package ingest_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/fgs"
	"github.com/earkiv/earkiv/internal/samplegen"
)

// manyFiles ingests a delivery of cases x files handlingar and checks that
// the receipt, the AIP and the catalog agree on every file.
func manyFiles(t *testing.T, e *env, cases, files int, timeout time.Duration) {
	t.Helper()
	dir, err := samplegen.Generate(context.Background(), t.TempDir(), samplegen.Spec{Family: fgs.FamilyFGS1, Cases: cases, Files: files, Size: 16, ID: "KS-many-" + strconv.Itoa(cases*files)})
	if err != nil {
		t.Fatal(err)
	}
	id := e.submit("alfa", dir)
	r := e.receipt("alfa", id, timeout)
	if r.Status != earkiv.Accepted {
		t.Fatalf("receipt %s: %s", r.Status, r.Reason)
	}
	if r.Report == nil || len(r.Report.Checksums) != r.Files || len(r.Checksums) != r.Files || r.Files < cases*files {
		t.Fatalf("receipt of %d files has %d checksums", r.Files, len(r.Checksums))
	}
	checkAIP(t, e, "alfa", r)
	aips := e.waitCatalog("alfa", 1)
	if aips[0].AIPID != r.AIPID || aips[0].Files != r.Files || aips[0].Bytes != r.Bytes {
		t.Fatalf("catalog %+v, receipt %d files %d bytes", aips[0], r.Files, r.Bytes)
	}
}

// TestReceiptInParts: a receipt bigger than a KV value (here made so with
// small parts) reaches the producer whole and agrees with the AIP and
// the catalog.
func TestReceiptInParts(t *testing.T) {
	e := newEnv(t)
	e.svc.ReceiptPart = 4 << 10 // before the worker starts
	e.startWorker()
	manyFiles(t, e, 20, 10, time.Minute)
}

// TestHundredThousandFiles ingests a delivery of 100,000 files, whose
// receipt (about 25 MiB) is three times what one NATS message holds. It
// takes minutes, so it runs when EARKIV_LONG_TESTS is set.
func TestHundredThousandFiles(t *testing.T) {
	if os.Getenv("EARKIV_LONG_TESTS") == "" {
		t.Skip("set EARKIV_LONG_TESTS=1 to ingest 100,000 files")
	}
	e := newEnv(t)
	e.startWorker()
	manyFiles(t, e, 1000, 100, 30*time.Minute)
}

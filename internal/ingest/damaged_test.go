package ingest_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/queue"
)

// TestDamagedZipRejected: a zip with a wrong CRC-32 is the producer's
// fault: rejected at once with the rule id, not retried as an outage
// until it fails.
func TestDamagedZipRejected(t *testing.T) {
	e := newEnv(t)
	e.startWorker()
	data, err := os.ReadFile(sample(t, "eark-valid-zip.zip"))
	if err != nil {
		t.Fatal(err)
	}
	const entry = "eark-valid-zip/representations/rep1/data/arende-0001/handling-0002.txt"
	c := bytes.LastIndex(data, []byte(entry)) - 46 // its central directory record
	if string(data[c:c+4]) != "PK\x01\x02" {
		t.Fatal("no central directory record")
	}
	binary.LittleEndian.PutUint32(data[c+16:], ^binary.LittleEndian.Uint32(data[c+16:]))
	p := filepath.Join(t.TempDir(), "damaged.zip")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	r := e.receipt("alfa", e.submit("alfa", p), 30*time.Second)
	if r.Status != queue.Rejected || !strings.Contains(r.Reason, "PKG-CORRUPT") {
		t.Fatalf("receipt %s %q, want rejected under PKG-CORRUPT", r.Status, r.Reason)
	}
}

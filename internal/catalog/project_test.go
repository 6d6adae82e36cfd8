package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
)

// TestFollow projects events from a real event stream, sent in a burst so
// they are applied in one transaction: an AIP carried in its event, one
// read from the "bucket" (the loader), an AIP whose rows cannot be written
// (two objects with one key), a receipt, and a receipt event naming another
// tenant, which is recorded but not applied. The failed AIP leaves none of
// its rows and does not undo the others. Each event is recorded once with
// the bookmark, and a restarted Follow applies nothing twice.
func TestFollow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pw := map[string]string{}
	alfa := testenv.Tenant(t, "alfa", "2120000001", pw)
	n := testenv.StartNATS(t, t.TempDir(), []*tenant.Tenant{alfa}, pw)
	q := n.Service(t)
	c, err := Open(ctx, filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	inEvent, inBucket, broken := manifest("alfa", "p1"), manifest("alfa", "p2"), manifest("alfa", "p3")
	broken.Objects = append(broken.Objects, broken.Objects[0])
	data, _ := json.Marshal(inEvent)
	brokenData, _ := json.Marshal(broken)
	good, _ := json.Marshal(earkiv.Receipt{SubmissionID: "s-p1", Tenant: "alfa", Status: earkiv.Accepted, AIPID: inEvent.AIPID})
	bad, _ := json.Marshal(earkiv.Receipt{SubmissionID: "s-x", Tenant: "beta", Status: earkiv.Accepted})
	events := []earkiv.Event{
		{Tenant: "alfa", Type: earkiv.AIPStored, AIPID: inEvent.AIPID, Data: data},
		{Tenant: "alfa", Type: earkiv.AIPStored, AIPID: inBucket.AIPID},
		{Tenant: "alfa", Type: earkiv.AIPStored, AIPID: broken.AIPID, Data: brokenData},
		{Tenant: "alfa", Type: earkiv.ReceiptIssued, SubmissionID: "s-p1", Data: good},
		{Tenant: "alfa", Type: earkiv.ReceiptIssued, SubmissionID: "s-x", Data: bad},
	}
	for _, e := range events {
		if err := q.Publish(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	loads := 0
	load := func(_ context.Context, tenantID, aipID string) (*aip.Manifest, error) {
		loads++
		if tenantID != "alfa" || aipID != inBucket.AIPID {
			t.Errorf("loaded %s/%s", tenantID, aipID)
		}
		return inBucket, nil
	}
	follow := func() {
		fctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); c.Follow(fctx, q, load, slog.Default()) }()
		defer func() { stop(); <-done }() // also when Eventually fails the test
		testenv.Eventually(t, 10*time.Second, func() error {
			if s, err := c.State(ctx, eventsBookmark); err != nil || s != strconv.Itoa(len(events)) {
				return fmt.Errorf("bookmark %q (%v), want %d", s, err, len(events))
			}
			return nil
		})
	}
	follow()
	follow() // resumes after the bookmark
	if loads != 1 {
		t.Fatalf("manifest loaded %d times, want 1", loads)
	}
	count := func(q string, args ...any) int {
		var n int
		if err := c.db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := count(`SELECT count(*) FROM events`); got != len(events) {
		t.Fatalf("%d events recorded, want %d", got, len(events))
	}
	if got := count(`SELECT count(*) FROM aips WHERE tenant='alfa'`); got != 2 {
		t.Fatalf("%d AIPs, want 2", got)
	}
	if got := count(`SELECT count(*) FROM aips WHERE aip_id=?`, broken.AIPID) + count(`SELECT count(*) FROM cases WHERE aip_id=?`, broken.AIPID); got != 0 {
		t.Fatalf("the AIP that could not be written left %d rows", got)
	}
	if got := count(`SELECT count(*) FROM receipts`); got != 1 {
		t.Fatalf("%d receipts, want 1 (the one naming beta is not applied)", got)
	}
}

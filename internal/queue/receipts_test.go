package queue_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/report"
	"github.com/earkiv/earkiv/internal/testenv"
)

// bigReceipt is the receipt of a delivery of n files, each with its
// SHA-256 in the receipt and in its report.
func bigReceipt(id string, n int) *earkiv.Receipt {
	r := &earkiv.Receipt{SubmissionID: id, Tenant: "alfa", PackageID: "KS 2026/" + id[len(id)-4:], AIPID: "a1", Status: earkiv.Accepted,
		Files: n, Report: &report.Report{Package: "big.tar", Valid: true, Files: n, Findings: []report.Finding{}},
		Submitted: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	for i := range n {
		sum := fmt.Sprintf("%064x", i)
		p := fmt.Sprintf("content/akt-%06d/handling.pdf", i)
		r.Checksums = append(r.Checksums, earkiv.FileSum{Path: p, Size: int64(i), SHA256: sum})
		r.Report.Checksums = append(r.Report.Checksums, report.Checksum{File: p, Size: int64(i), Digest: map[string]string{"SHA-256": sum}})
		r.Bytes += int64(i)
	}
	return r
}

// TestBigReceipt: the receipt of 100,000 files (about 25 MiB of JSON, over
// the 8 MiB a NATS message holds) is stored and read back whole, by
// submission id, by package id, by a waiting producer and a watching one.
func TestBigReceipt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n, a, _ := setup(t)
	svc, prod := n.Service(t), n.Producer(t, a)
	const id = "0190f0c8-0000-7000-8000-00000000b16a"
	want := bigReceipt(id, 100_000)
	watch, err := prod.WatchReceipts(ctx, "alfa", true)
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan *earkiv.Receipt, 1)
	go func() {
		r, err := prod.WaitReceipt(ctx, "alfa", id)
		if err != nil {
			t.Error(err)
		}
		waited <- r
	}()
	testenv.WaitReceiptWatchers(t, svc, "alfa", 2) // the watch and the waiter see the receipt put after them
	if err := svc.PutReceipt(ctx, want); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		get  func() (*earkiv.Receipt, error)
	}{
		{"by submission", func() (*earkiv.Receipt, error) { return prod.Receipt(ctx, "alfa", id) }},
		{"by package", func() (*earkiv.Receipt, error) { return prod.Receipt(ctx, "alfa", want.PackageID) }},
		{"waited", func() (*earkiv.Receipt, error) { return <-waited, nil }},
		{"watched", func() (*earkiv.Receipt, error) { return <-watch, nil }},
	} {
		got, err := c.get()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: the receipt read back differs (%d checksums, %v)", c.name, len(got.Checksums), got.Report != nil)
		}
	}

	// A second, smaller receipt for the same submission replaces it whole.
	small := bigReceipt(id, 3)
	small.Status, small.Reason = earkiv.Rejected, "again"
	if err := svc.PutReceipt(ctx, small); err != nil {
		t.Fatal(err)
	}
	if got, err := prod.Receipt(ctx, "alfa", id); err != nil || !reflect.DeepEqual(got, small) {
		t.Fatalf("replaced: %v %v", got, err)
	}
	// A producer that starts waiting after the receipt is stored gets the
	// latest at once.
	if got, err := prod.WaitReceipt(ctx, "alfa", id); err != nil || !reflect.DeepEqual(got, small) {
		t.Fatalf("waited after the put: %v %v", got, err)
	}
	// The accepted receipt still stands under the package id.
	if got, err := prod.Receipt(ctx, "alfa", want.PackageID); err != nil || got.Status != earkiv.Accepted || len(got.Checksums) != 100_000 {
		t.Fatalf("package receipt: %v", err)
	}
}

// TestReceiptOddIDs: receipts of ids a producer may send but earkiv's
// client never does are stored and found under a short key; a long lookup
// is answered, not sent on as a subject over the control line.
func TestReceiptOddIDs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, a, _ := setup(t)
	svc, prod := n.Service(t), n.Producer(t, a)
	for _, id := range []string{strings.Repeat("x", 5000), "../../victim", "a b.c*>", ""} {
		if err := svc.PutReceipt(ctx, &earkiv.Receipt{SubmissionID: id, Tenant: "alfa", Status: earkiv.Rejected}); err != nil {
			t.Fatalf("put %.20q: %v", id, err)
		}
		if r, err := prod.Receipt(ctx, "alfa", id); err != nil || r.SubmissionID != id {
			t.Fatalf("get %.20q: %v", id, err)
		}
	}
	long := strings.Repeat("y", 5000)
	if err := svc.PutReceipt(ctx, &earkiv.Receipt{SubmissionID: "0190f0c8-0000-7000-8000-0000000000aa", Tenant: "alfa", PackageID: long, Status: earkiv.Rejected}); err != nil {
		t.Fatal(err)
	}
	if _, err := prod.Receipt(ctx, "alfa", strings.Repeat("z", 5000)); !errors.Is(err, earkiv.ErrNoReceipt) {
		t.Fatalf("long unknown id: %v", err)
	}
	// A tenant that is no tenant id never reaches a subject.
	for _, tn := range []string{"*", "alfa.>", "al fa"} {
		if _, err := svc.Receipt(ctx, tn, "x"); !errors.Is(err, ids.ErrInvalid) {
			t.Errorf("tenant %q: %v", tn, err)
		}
		if err := svc.ReadEvents(ctx, tn, 1, func(earkiv.Event) error { return nil }); !errors.Is(err, ids.ErrInvalid) {
			t.Errorf("events of tenant %q: %v", tn, err)
		}
	}
	if !prod.Conn().IsConnected() || !svc.Conn().IsConnected() {
		t.Fatal("a connection was closed")
	}
}

// TestClosedConnection: a connection the server closes for good (here by
// a subject over its control line) is reported, and a producer waiting
// for a receipt on it is told at once instead of waiting for its timeout.
func TestClosedConnection(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, a, _ := setup(t)
	prod := n.Producer(t, a)
	waited := make(chan error, 1)
	go func() {
		_, err := prod.WaitReceipt(ctx, "alfa", "0190f0c8-0000-7000-8000-0000000000cc")
		waited <- err
	}()
	if err := prod.Conn().Publish(queue.IngestSubject("alfa")+strings.Repeat("x", 5000), nil); err != nil {
		t.Fatal(err)
	}
	select {
	case <-prod.Closed():
	case <-ctx.Done():
		t.Fatal("closed connection not reported")
	}
	if err := prod.Err(); err == nil || !strings.Contains(strings.ToLower(err.Error()), "control line") {
		t.Fatalf("Err: %v", err)
	}
	if err := <-waited; err == nil || ctx.Err() != nil {
		t.Fatalf("WaitReceipt: %v (ctx %v)", err, ctx.Err())
	}
}

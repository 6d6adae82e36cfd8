package queue_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/earkiv"
)

// TestAwait: the receipts of the submissions asked for are delivered once
// each, others are passed over, and a wait that ends early says how many
// are missing.
func TestAwait(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n, a, _ := setup(t)
	svc, prod := n.Service(t), n.Producer(t, a)
	const one, two, other = "0190f0c8-0000-7000-8000-0000000000a1", "0190f0c8-0000-7000-8000-0000000000a2", "0190f0c8-0000-7000-8000-0000000000a3"
	aw, err := prod.Await(ctx, "alfa")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{other, two, one} {
		if err := svc.PutReceipt(ctx, &earkiv.Receipt{SubmissionID: id, Tenant: "alfa", Status: earkiv.Accepted}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	if err := aw.Receipts(ctx, []string{one, two}, func(r *earkiv.Receipt) { got = append(got, r.SubmissionID) }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != two+","+one {
		t.Fatalf("got %v, want the two asked for in the order receipted", got)
	}

	short, stop := context.WithTimeout(ctx, 300*time.Millisecond)
	defer stop()
	aw2, err := prod.Await(short, "alfa")
	if err != nil {
		t.Fatal(err)
	}
	err = aw2.Receipts(short, []string{"0190f0c8-0000-7000-8000-0000000000a4"}, func(*earkiv.Receipt) { t.Error("a receipt that was never issued") })
	if err == nil || !strings.Contains(err.Error(), "1 receipts still missing") {
		t.Fatalf("early end: %v", err)
	}
}

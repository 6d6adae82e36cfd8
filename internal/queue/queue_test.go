package queue_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/pkgstore"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

func setup(t *testing.T) (*testenv.NATS, *tenant.Tenant, *tenant.Tenant) {
	pw := map[string]string{}
	a := testenv.Tenant(t, "alfa", "2120000001", pw)
	b := testenv.Tenant(t, "beta", "2120002411", pw)
	n := testenv.StartNATS(t, t.TempDir(), []*tenant.Tenant{a, b}, pw)
	return n, a, b
}

// TestTenantIsolation: a producer of alfa can neither submit for beta, nor
// read beta's receipts, packages or events, nor listen to beta's replies.
func TestTenantIsolation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, a, b := setup(t)
	svc := n.Service(t)
	if err := svc.PutReceipt(ctx, &earkiv.Receipt{SubmissionID: "0190f0c8-0000-7000-8000-000000000001", Tenant: "beta", PackageID: "beta-pkg", Status: earkiv.Accepted}); err != nil {
		t.Fatal(err)
	}
	prodA := n.Producer(t, a)
	prodB := n.Producer(t, b)
	dir := filepath.Join(testenv.RepoRoot(t), "packages-sample", "fgs1-valid-arenden")

	if _, err := pkgstore.New(prodA).Submit(ctx, "beta", dir, pkgstore.SubmitOptions{}); !errors.Is(err, queue.ErrOtherTenant) {
		t.Fatalf("alfa's client submitted for beta: %v", err)
	}
	if _, err := prodA.Receipt(ctx, "beta", "beta-pkg"); !errors.Is(err, queue.ErrOtherTenant) {
		t.Fatalf("alfa's client read beta's receipt: %v", err)
	}
	// The server enforces the same, whatever the client does: every raw
	// JetStream call for beta's resources fails.
	short := func() context.Context {
		c, cancel := context.WithTimeout(ctx, time.Second)
		t.Cleanup(cancel)
		return c
	}
	if _, err := prodA.JetStream().Publish(short(), queue.IngestSubject("beta"), []byte(`{}`)); err == nil {
		t.Fatal("alfa published an ingest request for beta")
	}
	if _, err := prodA.JetStream().ObjectStore(short(), queue.PackageStore("beta")); err == nil {
		t.Fatal("alfa opened beta's package store")
	}
	if _, err := prodA.JetStream().KeyValue(short(), queue.ReceiptBucket("beta")); err == nil {
		t.Fatal("alfa opened beta's receipts")
	}
	if _, err := prodA.JetStream().Stream(short(), queue.StreamEvents); err == nil {
		t.Fatal("alfa opened the event stream")
	}
	if _, err := prodA.JetStream().Consumer(short(), queue.StreamIngest, queue.Consumer); err == nil {
		t.Fatal("alfa opened the work queue")
	}
	// Subscriptions outside alfa's own inbox are refused by the server.
	for _, subj := range []string{"_INBOX_beta.>", "_INBOX.>", "earkiv.>", "$KV.receipts-beta.>", ">"} {
		errs := make(chan error, 1)
		c, err := nats.Connect(n.URL, nats.UserInfo(a.Producer.User, n.Passwords["alfa"]),
			nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.SubscribeSync(subj); err != nil {
			t.Fatal(err)
		}
		c.Flush()
		select {
		case err := <-errs:
			if !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
				t.Errorf("subscribe %s: %v", subj, err)
			}
		case <-time.After(2 * time.Second):
			t.Errorf("alfa subscribed to %s", subj)
		}
		c.Close()
	}
	// Beta still reads its own.
	if r, err := prodB.Receipt(ctx, "beta", "beta-pkg"); err != nil || r.Status != earkiv.Accepted {
		t.Fatalf("beta's own receipt: %+v %v", r, err)
	}
	// Wrong password: no connection at all.
	if _, err := queue.Connect(ctx, queue.ConnectOptions{URL: n.URL, User: a.Producer.User, Password: "wrong"}); err == nil {
		t.Fatal("connected with a wrong password")
	}
}

func TestEventsSurviveRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, _, _ := setup(t)
	svc := n.Service(t)
	if err := svc.Publish(ctx, earkiv.Event{Tenant: "alfa", Type: "test.one"}); err != nil {
		t.Fatal(err)
	}
	n.Restart(t)
	// The service connection reconnects by itself.
	testenv.Eventually(t, 10*time.Second, func() error {
		return svc.Publish(ctx, earkiv.Event{Tenant: "alfa", Type: "test.two"})
	})
	var seen []string
	fctx, fcancel := context.WithCancel(ctx)
	err := svc.FollowEvents(fctx, "alfa", 1, func(e earkiv.Event) error {
		seen = append(seen, string(e.Type))
		if len(seen) == 2 {
			fcancel()
		}
		return nil
	})
	if err != nil || strings.Join(seen, ",") != "test.one,test.two" {
		t.Fatalf("events %v %v", seen, err)
	}
}

// TestPublishAsyncOrder: events sent without waiting, mixed with a waited
// one, are stored once each and in the order sent; a repeated event id (a
// step redone after a crash) is dropped.
func TestPublishAsyncOrder(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, _, _ := setup(t)
	svc := n.Service(t)
	var futures []*queue.Future
	var want []string
	for i := range 20 {
		typ := fmt.Sprintf("test.async%02d", i)
		want = append(want, typ)
		f, err := svc.PublishAsync(earkiv.Event{Tenant: "alfa", Type: earkiv.EventType(typ), ID: typ})
		if err != nil {
			t.Fatal(err)
		}
		futures = append(futures, f)
		if i == 10 {
			if err := svc.Publish(ctx, earkiv.Event{Tenant: "alfa", Type: "test.sync"}); err != nil {
				t.Fatal(err)
			}
			want = append(want, "test.sync")
		}
	}
	dup, err := svc.PublishAsync(earkiv.Event{Tenant: "alfa", Type: "test.async00", ID: "test.async00"})
	if err != nil {
		t.Fatal(err)
	}
	var last queue.Stored
	for _, f := range append(futures, dup) {
		if last, err = f.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if !last.Duplicate {
		t.Fatal("a repeated event id was stored again")
	}
	var seen []string
	if err := svc.ReadEvents(ctx, "alfa", 1, func(e earkiv.Event) error { seen = append(seen, string(e.Type)); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(seen, ",") != strings.Join(want, ",") {
		t.Fatalf("stored %v, sent %v", seen, want)
	}
}

func TestWatchReceipts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n, a, _ := setup(t)
	svc, prod := n.Service(t), n.Producer(t, a)
	put := func(id string) {
		if err := svc.PutReceipt(ctx, &earkiv.Receipt{SubmissionID: id, Tenant: "alfa", Status: earkiv.Accepted}); err != nil {
			t.Fatal(err)
		}
	}
	put("0190f0c8-0000-7000-8000-000000000001")
	all, err := prod.WatchReceipts(ctx, "alfa", false)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := prod.WatchReceipts(ctx, "alfa", true)
	if err != nil {
		t.Fatal(err)
	}
	put("0190f0c8-0000-7000-8000-000000000002")
	if r := <-all; r.SubmissionID != "0190f0c8-0000-7000-8000-000000000001" {
		t.Fatalf("history first: %+v", r)
	}
	if r := <-all; r.SubmissionID != "0190f0c8-0000-7000-8000-000000000002" {
		t.Fatalf("then new: %+v", r)
	}
	if r := <-fresh; r.SubmissionID != "0190f0c8-0000-7000-8000-000000000002" {
		t.Fatalf("new only: %+v", r)
	}
}

func TestServerPortTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	start := time.Now()
	_, err = queue.StartServer(context.Background(), queue.ServerConfig{Dir: t.TempDir(), Addr: l.Addr().String(), ServiceUser: "a", ServicePassword: "b"})
	if err == nil || !strings.Contains(err.Error(), "address already in use") || time.Since(start) > 5*time.Second {
		t.Fatalf("taken port: %v after %v", err, time.Since(start))
	}
}

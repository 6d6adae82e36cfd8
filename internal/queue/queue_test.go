package queue_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/earkiv/earkiv/internal/earkiv"
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

func TestSubmitAndReceipt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, a, _ := setup(t)
	prod := n.Producer(t, a)
	svc := n.Service(t)
	dir := filepath.Join(testenv.RepoRoot(t), "packages-sample", "fgs1-valid-arenden")
	req, err := prod.Submit(ctx, "alfa", dir, queue.SubmitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if req.Format != "dir" || req.Size == 0 || req.Digest == "" {
		t.Fatalf("request %+v", req)
	}
	// The metadata files' SHA-256 go with the request: here the root METS.
	if b, err := os.ReadFile(filepath.Join(dir, "mets.xml")); err != nil {
		t.Fatal(err)
	} else if sum := sha256.Sum256(b); req.Sums["fgs1-valid-arenden/mets.xml"] != hex.EncodeToString(sum[:]) {
		t.Fatalf("request sums %v", req.Sums)
	}
	// The worker side sees the request and the package.
	cons, err := svc.JS.Consumer(ctx, queue.StreamIngest, queue.Consumer)
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var got jetstream.Msg
	for m := range batch.Messages() {
		got = m
	}
	if got == nil || got.Subject() != "earkiv.ingest.alfa" || !strings.Contains(string(got.Data()), req.SubmissionID) {
		t.Fatalf("request message %v", got)
	}
	got.Ack()
	store, err := svc.JS.ObjectStore(ctx, queue.PackageStore("alfa"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := store.GetInfo(ctx, req.Object)
	if err != nil || int64(info.Size) != req.Size {
		t.Fatalf("stored package %+v %v", info, err)
	}

	// Resubmitting with the same id is dropped by JetStream's dedupe.
	if _, err := prod.Submit(ctx, "alfa", dir, queue.SubmitOptions{SubmissionID: req.SubmissionID}); err != nil {
		t.Fatal(err)
	}
	if ci, _ := cons.Info(ctx); ci.NumPending != 0 {
		t.Fatalf("duplicate submission queued: %d pending", ci.NumPending)
	}

	done := make(chan *earkiv.Receipt, 1)
	go func() {
		r, err := prod.WaitReceipt(ctx, "alfa", req.SubmissionID)
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	time.Sleep(200 * time.Millisecond)
	if err := svc.PutReceipt(ctx, &earkiv.Receipt{SubmissionID: req.SubmissionID, Tenant: "alfa", PackageID: "KS 2025/1:x", Status: earkiv.Accepted}); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r == nil || r.Status != earkiv.Accepted {
		t.Fatalf("receipt %+v", r)
	}
	if r, err := prod.Receipt(ctx, "alfa", "KS 2025/1:x"); err != nil || r.SubmissionID != req.SubmissionID {
		t.Fatalf("receipt by package id: %+v %v", r, err)
	}
	if _, err := prod.Receipt(ctx, "alfa", "nope"); !errors.Is(err, queue.ErrNoReceipt) {
		t.Fatalf("missing receipt: %v", err)
	}
	// Too many to carry: none are sent (the worker checks the digest).
	many := filepath.Join(t.TempDir(), "many")
	os.MkdirAll(many, 0o755)
	for i := range 1001 {
		os.WriteFile(filepath.Join(many, fmt.Sprintf("f%04d.txt", i)), nil, 0o644)
	}
	if r, err := prod.Submit(ctx, "alfa", many, queue.SubmitOptions{}); err != nil {
		t.Fatal(err)
	} else if r.Sums != nil {
		t.Fatalf("1001 root files: %d sums sent", len(r.Sums))
	}
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

	if _, err := prodA.Submit(ctx, "beta", dir, queue.SubmitOptions{}); !errors.Is(err, queue.ErrOtherTenant) {
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
	if _, err := prodA.JS.Publish(short(), queue.IngestSubject("beta"), []byte(`{}`)); err == nil {
		t.Fatal("alfa published an ingest request for beta")
	}
	if _, err := prodA.JS.ObjectStore(short(), queue.PackageStore("beta")); err == nil {
		t.Fatal("alfa opened beta's package store")
	}
	if _, err := prodA.JS.KeyValue(short(), queue.ReceiptBucket("beta")); err == nil {
		t.Fatal("alfa opened beta's receipts")
	}
	if _, err := prodA.JS.Stream(short(), queue.StreamEvents); err == nil {
		t.Fatal("alfa opened the event stream")
	}
	if _, err := prodA.JS.Consumer(short(), queue.StreamIngest, queue.Consumer); err == nil {
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
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := svc.Publish(ctx, earkiv.Event{Tenant: "alfa", Type: "test.two"})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
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

// packageStore starts NATS and returns the service connection and alfa's
// package store, with a context that ends after d.
func packageStore(t *testing.T, d time.Duration) (context.Context, *queue.Client, jetstream.ObjectStore) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	n, _, _ := setup(t)
	svc := n.Service(t)
	obs, err := svc.PackageStore(ctx, "alfa")
	if err != nil {
		t.Fatal(err)
	}
	return ctx, svc, obs
}

// TestOpenPackage: a stored package reads back whole and checked, also when
// the reader pauses longer than JetStream's 5 s API timeout (an object store
// Get fails with "nats: timeout" there, which made ingests of big packages
// retry when an S3 upload stalled); closing a half-read package stops the
// read ahead; a missing package is ErrObjectNotFound.
func TestOpenPackage(t *testing.T) {
	ctx, svc, obs := packageStore(t, 60*time.Second)
	data := make([]byte, 8<<20) // 16 chunks, more than are read ahead
	rand.New(rand.NewSource(1)).Read(data)
	if _, err := obs.PutBytes(ctx, "p", data); err != nil {
		t.Fatal(err)
	}
	r, err := svc.OpenPackage(ctx, "alfa", "p")
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 1<<20)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatal(err)
	}
	time.Sleep(6 * time.Second)
	rest, err := io.ReadAll(r)
	r.Close()
	if err != nil || !bytes.Equal(append(head, rest...), data) {
		t.Fatalf("read after a pause: %v, %d bytes", err, len(head)+len(rest))
	}
	r, err = svc.OpenPackage(ctx, "alfa", "p")
	if err != nil {
		t.Fatal(err)
	}
	io.ReadFull(r, head)
	closed := make(chan struct{})
	go func() { r.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close of a half-read package hangs")
	}
	var buf bytes.Buffer
	if n, err := svc.CopyPackage(ctx, "alfa", "p", &buf); err != nil || n != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) {
		t.Fatalf("copy: %d bytes, %v", n, err)
	}
	if _, err := svc.OpenPackage(ctx, "alfa", "missing"); !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Fatalf("missing package: %v", err)
	}
}

// TestPackageDigest: OpenPackage refuses a package whose chunks no longer
// match the digest stored with it; OpenPackageUnhashed, for passes the
// caller checks another way, reads the same bytes without that check but
// still refuses a package of the wrong size.
func TestPackageDigest(t *testing.T) {
	ctx, svc, obs := packageStore(t, 60*time.Second)
	data := make([]byte, 3<<20)
	rand.New(rand.NewSource(2)).Read(data)
	if _, err := obs.PutBytes(ctx, "p", data); err != nil {
		t.Fatal(err)
	}
	info, err := obs.GetInfo(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	stream, err := svc.JS.Stream(ctx, "OBJ_"+queue.PackageStore("alfa"))
	if err != nil {
		t.Fatal(err)
	}
	subj := "$O." + queue.PackageStore("alfa") + ".C." + info.NUID
	// rewrite stores the package's chunks again as change makes them.
	rewrite := func(change func(chunk int, b []byte) []byte) {
		var chunks [][]byte
		for seq := uint64(1); len(chunks) < int(info.Chunks); {
			m, err := stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subj))
			if err != nil {
				t.Fatal(err)
			}
			chunks, seq = append(chunks, m.Data), m.Sequence+1
		}
		if err := stream.Purge(ctx, jetstream.WithPurgeSubject(subj)); err != nil {
			t.Fatal(err)
		}
		for i, b := range chunks {
			if _, err := svc.JS.Publish(ctx, subj, change(i, bytes.Clone(b))); err != nil {
				t.Fatal(err)
			}
		}
	}
	read := func(open func(context.Context, string, string) (io.ReadCloser, error)) ([]byte, error) {
		r, err := open(ctx, "alfa", "p")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		return io.ReadAll(r)
	}
	rewrite(func(i int, b []byte) []byte {
		if i == 1 {
			b[10] ^= 1
		}
		return b
	})
	if _, err := read(svc.OpenPackage); !errors.Is(err, jetstream.ErrDigestMismatch) {
		t.Fatalf("changed chunk, checked read: %v, want a digest mismatch", err)
	}
	got, err := read(svc.OpenPackageUnhashed)
	if err != nil || len(got) != len(data) || bytes.Equal(got, data) {
		t.Fatalf("changed chunk, unhashed read: %v, %d bytes (equal to the original: %v)", err, len(got), bytes.Equal(got, data))
	}
	rewrite(func(i int, b []byte) []byte {
		if i == int(info.Chunks)-1 {
			return b[:len(b)-1]
		}
		return b
	})
	if _, err := read(svc.OpenPackageUnhashed); err == nil || !strings.Contains(err.Error(), "read 3145727 bytes, stored 3145728") {
		t.Fatalf("short package, unhashed read: %v", err)
	}
}

// TestReadPackage: a package read into memory comes back whole, whether
// stored as one chunk or many, and a size other than the stored one is
// refused before anything is read.
func TestReadPackage(t *testing.T) {
	ctx, svc, obs := packageStore(t, 30*time.Second)
	data := make([]byte, 300<<10)
	rand.New(rand.NewSource(2)).Read(data)
	for _, tc := range []struct {
		name  string
		chunk uint32
		data  []byte
	}{{"one-chunk", 1 << 20, data}, {"chunks", 64 << 10, data}, {"empty", 1 << 20, []byte{}}} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := obs.Put(ctx, jetstream.ObjectMeta{Name: tc.name, Opts: &jetstream.ObjectMetaOptions{ChunkSize: tc.chunk}}, bytes.NewReader(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			got, err := svc.ReadPackage(ctx, "alfa", tc.name, int64(info.Size))
			if err != nil || !bytes.Equal(got, tc.data) || got == nil {
				t.Fatalf("read %d bytes of %d: %v", len(got), len(tc.data), err)
			}
			if _, err := svc.ReadPackage(ctx, "alfa", tc.name, int64(info.Size)+1); err == nil || !strings.Contains(err.Error(), "expected") {
				t.Fatalf("wrong size: %v", err)
			}
		})
	}
	if _, err := svc.ReadPackage(ctx, "alfa", "missing", 1); !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Fatalf("missing package: %v", err)
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
	var futures []jetstream.PubAckFuture
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
	var last *jetstream.PubAck
	for _, f := range append(futures, dup) {
		select {
		case last = <-f.Ok():
		case err := <-f.Err():
			t.Fatal(err)
		case <-ctx.Done():
			t.Fatal(ctx.Err())
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
	_, err = queue.StartServer(queue.ServerConfig{Dir: t.TempDir(), Addr: l.Addr().String(), ServiceUser: "a", ServicePassword: "b"})
	if err == nil || !strings.Contains(err.Error(), "address already in use") || time.Since(start) > 5*time.Second {
		t.Fatalf("taken port: %v after %v", err, time.Since(start))
	}
}

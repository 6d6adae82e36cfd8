package pkgstore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/pkgstore"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

func setup(t *testing.T) (*testenv.NATS, *tenant.Tenant) {
	pw := map[string]string{}
	a := testenv.Tenant(t, "alfa", "2120000001", pw)
	n := testenv.StartNATS(t, t.TempDir(), []*tenant.Tenant{a}, pw)
	return n, a
}

func TestSubmitAndReceipt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, a := setup(t)
	prod := n.Producer(t, a)
	pkgs := pkgstore.New(prod)
	svc := n.Service(t)
	dir := filepath.Join(testenv.RepoRoot(t), "packages-sample", "fgs1-valid-arenden")
	req, err := pkgs.Submit(ctx, "alfa", dir, pkgstore.SubmitOptions{})
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
	cons, err := svc.JetStream().Consumer(ctx, queue.StreamIngest, queue.Consumer)
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
	store, err := svc.JetStream().ObjectStore(ctx, queue.PackageStore("alfa"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := store.GetInfo(ctx, req.Object)
	if err != nil || int64(info.Size) != req.Size {
		t.Fatalf("stored package %+v %v", info, err)
	}

	// Resubmitting with the same id is dropped by JetStream's dedupe.
	if _, err := pkgs.Submit(ctx, "alfa", dir, pkgstore.SubmitOptions{SubmissionID: req.SubmissionID}); err != nil {
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
	testenv.WaitReceiptWatchers(t, svc, "alfa", 1) // the waiter gets the receipt as an update
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
	if _, err := prod.Receipt(ctx, "alfa", "nope"); !errors.Is(err, earkiv.ErrNoReceipt) {
		t.Fatalf("missing receipt: %v", err)
	}
	// Too many to carry: none are sent (the worker checks the digest).
	many := filepath.Join(t.TempDir(), "many")
	os.MkdirAll(many, 0o755)
	for i := range 1001 {
		os.WriteFile(filepath.Join(many, fmt.Sprintf("f%04d.txt", i)), nil, 0o644)
	}
	if r, err := pkgs.Submit(ctx, "alfa", many, pkgstore.SubmitOptions{}); err != nil {
		t.Fatal(err)
	} else if r.Sums != nil {
		t.Fatalf("1001 root files: %d sums sent", len(r.Sums))
	}
}

// packageStore starts NATS and returns the package stores, the service
// connection and alfa's package store, with a context that ends after d.
func packageStore(t *testing.T, d time.Duration) (context.Context, *pkgstore.Store, *queue.Client, jetstream.ObjectStore) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	n, _ := setup(t)
	svc := n.Service(t)
	obs, err := svc.PackageStore(ctx, "alfa")
	if err != nil {
		t.Fatal(err)
	}
	return ctx, pkgstore.New(svc), svc, obs
}

// TestOpenPackage: a stored package reads back whole and checked, also when
// the reader pauses longer than JetStream's 5 s API timeout (an object store
// Get fails with "nats: timeout" there, which made ingests of big packages
// retry when an S3 upload stalled); closing a half-read package stops the
// read ahead; a missing package is ErrObjectNotFound.
func TestOpenPackage(t *testing.T) {
	ctx, svc, _, obs := packageStore(t, 60*time.Second)
	data := make([]byte, 8<<20) // 16 chunks, more than are read ahead
	rand.New(rand.NewSource(1)).Read(data)
	if _, err := obs.PutBytes(ctx, "p", data); err != nil {
		t.Fatal(err)
	}
	r, err := svc.Open(ctx, "alfa", "p", pkgstore.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 1<<20)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatal(err)
	}
	time.Sleep(6 * time.Second) // the pause is the scenario: longer than the 5 s API timeout
	rest, err := io.ReadAll(r)
	r.Close()
	if err != nil || !bytes.Equal(append(head, rest...), data) {
		t.Fatalf("read after a pause: %v, %d bytes", err, len(head)+len(rest))
	}
	r, err = svc.Open(ctx, "alfa", "p", pkgstore.ReadOptions{})
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
	if _, err := svc.Open(ctx, "alfa", "missing", pkgstore.ReadOptions{}); !errors.Is(err, pkgstore.ErrNotFound) {
		t.Fatalf("missing package: %v", err)
	}
}

// TestPackageDigest: OpenPackage refuses a package whose chunks no longer
// match the digest stored with it; OpenPackageUnhashed, for passes the
// caller checks another way, reads the same bytes without that check but
// still refuses a package of the wrong size.
func TestPackageDigest(t *testing.T) {
	ctx, svc, q, obs := packageStore(t, 60*time.Second)
	data := make([]byte, 3<<20)
	rand.New(rand.NewSource(2)).Read(data)
	if _, err := obs.PutBytes(ctx, "p", data); err != nil {
		t.Fatal(err)
	}
	info, err := obs.GetInfo(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	stream, err := q.JetStream().Stream(ctx, queue.PackageStoreStream("alfa"))
	if err != nil {
		t.Fatal(err)
	}
	subj := queue.PackageChunks("alfa", info.NUID)
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
			if _, err := q.JetStream().Publish(ctx, subj, change(i, bytes.Clone(b))); err != nil {
				t.Fatal(err)
			}
		}
	}
	read := func(o pkgstore.ReadOptions) ([]byte, error) {
		r, err := svc.Open(ctx, "alfa", "p", o)
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
	if _, err := read(pkgstore.ReadOptions{}); !errors.Is(err, pkgstore.ErrDigestMismatch) {
		t.Fatalf("changed chunk, checked read: %v, want a digest mismatch", err)
	}
	got, err := read(pkgstore.ReadOptions{Unhashed: true})
	if err != nil || len(got) != len(data) || bytes.Equal(got, data) {
		t.Fatalf("changed chunk, unhashed read: %v, %d bytes (equal to the original: %v)", err, len(got), bytes.Equal(got, data))
	}
	rewrite(func(i int, b []byte) []byte {
		if i == int(info.Chunks)-1 {
			return b[:len(b)-1]
		}
		return b
	})
	if _, err := read(pkgstore.ReadOptions{Unhashed: true}); err == nil || !strings.Contains(err.Error(), "read 3145727 bytes, stored 3145728") {
		t.Fatalf("short package, unhashed read: %v", err)
	}
}

// TestReadPackage: a package read into memory comes back whole, whether
// stored as one chunk or many, and a size other than the stored one is
// refused before anything is read.
func TestReadPackage(t *testing.T) {
	ctx, svc, _, obs := packageStore(t, 30*time.Second)
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
			got, err := readAll(ctx, svc, tc.name, int64(info.Size))
			if err != nil || !bytes.Equal(got, tc.data) || got == nil {
				t.Fatalf("read %d bytes of %d: %v", len(got), len(tc.data), err)
			}
			if _, err := readAll(ctx, svc, tc.name, int64(info.Size)+1); err == nil || !strings.Contains(err.Error(), "expected") {
				t.Fatalf("wrong size: %v", err)
			}
		})
	}
	if _, err := readAll(ctx, svc, "missing", 1); !errors.Is(err, pkgstore.ErrNotFound) {
		t.Fatalf("missing package: %v", err)
	}
}

// readAll reads a package into memory, checked.
func readAll(ctx context.Context, s *pkgstore.Store, name string, size int64) ([]byte, error) {
	r, err := s.Open(ctx, "alfa", name, pkgstore.ReadOptions{})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.ReadAll(size)
}

// TestCheckDigest: an unhashed read into memory is checked afterwards
// against the stored digest, and fails that check once a byte differs.
func TestCheckDigest(t *testing.T) {
	ctx, svc, _, obs := packageStore(t, 30*time.Second)
	data := make([]byte, 100<<10)
	rand.New(rand.NewSource(3)).Read(data)
	if _, err := obs.PutBytes(ctx, "p", data); err != nil {
		t.Fatal(err)
	}
	r, err := svc.Open(ctx, "alfa", "p", pkgstore.ReadOptions{Unhashed: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := r.ReadAll(int64(len(data)))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes: %v", len(got), err)
	}
	if err := r.CheckDigest(got); err != nil {
		t.Fatal(err)
	}
	got = bytes.Clone(got)
	got[7] ^= 1
	if err := r.CheckDigest(got); !errors.Is(err, pkgstore.ErrDigestMismatch) {
		t.Fatalf("changed byte: %v, want a digest mismatch", err)
	}
}

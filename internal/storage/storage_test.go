package storage_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

// TestStore runs the same checks against every real S3 implementation.
func TestStore(t *testing.T) {
	for _, start := range testenv.Backends(t) {
		srv := start(t)
		t.Run(srv.Name, func(t *testing.T) { testStore(t, srv) })
	}
}

func testStore(t *testing.T, srv *testenv.S3) {
	ctx := context.Background()
	st := srv.Store(t)
	const bucket = "earkiv-alfa"
	if err := st.EnsureBucket(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	if err := st.EnsureBucket(ctx, bucket); err != nil {
		t.Fatalf("second EnsureBucket: %v", err)
	}

	body := []byte(strings.Repeat("handling ", 1000))
	sum := sha256.Sum256(body)
	until := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	in, err := st.Put(ctx, bucket, "aip/a.txt", bytes.NewReader(body), storage.PutOptions{
		Size: int64(len(body)), SHA256: sum[:], ContentType: "text/plain",
		Lock: storage.Lock{Mode: "GOVERNANCE", RetainUntil: until},
	})
	if err != nil {
		t.Fatal(err)
	}
	if in.Size != int64(len(body)) {
		t.Fatalf("size %d", in.Size)
	}
	got, err := st.Stat(ctx, bucket, "aip/a.txt")
	if err != nil {
		t.Fatal(err)
	}
	if got.SHA256 != in.SHA256 || got.Size != in.Size {
		t.Fatalf("stat %+v, put %+v", got, in)
	}
	lock, err := st.Retention(ctx, bucket, "aip/a.txt")
	if err != nil {
		t.Fatal(err)
	}
	if lock.Mode != "GOVERNANCE" || !lock.RetainUntil.Equal(until) {
		t.Fatalf("lock %+v, want GOVERNANCE until %v", lock, until)
	}

	// Wrong expected digest: the store (and Put) must refuse the bytes.
	bad := sha256.Sum256([]byte("other"))
	_, err = st.Put(ctx, bucket, "aip/b.txt", bytes.NewReader(body), storage.PutOptions{Size: int64(len(body)), SHA256: bad[:]})
	var dm *storage.DigestMismatchError
	if !errors.As(err, &dm) {
		t.Fatalf("mismatching digest: err %v, want DigestMismatchError", err)
	}
	if _, err := st.Stat(ctx, bucket, "aip/b.txt"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("refused object exists: %v", err)
	}

	// Legal hold (keep forever).
	if _, err := st.Put(ctx, bucket, "aip/forever.txt", strings.NewReader("x"), storage.PutOptions{Size: 1, Lock: storage.Lock{LegalHold: true}}); err != nil {
		t.Fatal(err)
	}
	lock, err = st.Retention(ctx, bucket, "aip/forever.txt")
	if err != nil || !lock.LegalHold {
		t.Fatalf("legal hold: %+v %v", lock, err)
	}

	// A retained version cannot be destroyed.
	if in.VersionID == "" {
		t.Fatal("no version id: the bucket is not versioned")
	}
	if err := st.RemoveVersion(ctx, bucket, "aip/a.txt", in.VersionID); err == nil {
		t.Fatal("the store deleted a version under Object Lock retention")
	}
	if _, err := st.Stat(ctx, bucket, "aip/a.txt"); err != nil {
		t.Fatalf("locked object gone: %v", err)
	}

	rc, info, err := st.Get(ctx, bucket, "aip/forever.txt")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "x" || info.Size != 1 {
		t.Fatalf("get %q %+v", b, info)
	}
	var keys []string
	for o, err := range st.List(ctx, bucket, "aip/") {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, o.Key)
	}
	if !strings.Contains(strings.Join(keys, ","), "aip/forever.txt") {
		t.Fatalf("list %v", keys)
	}
	if _, err := st.Stat(ctx, bucket, "nope"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("missing object: %v", err)
	}
}

// TestBucketWithoutLockRefused: a pre-existing bucket without Object Lock is
// not used for records.
func TestBucketWithoutLockRefused(t *testing.T) {
	srv := testenv.Versity(t)
	st := srv.Store(t)
	ctx := context.Background()
	if err := st.MakePlainBucket(ctx, "earkiv-plain"); err != nil {
		t.Fatal(err)
	}
	err := st.EnsureBucket(ctx, "earkiv-plain")
	if err == nil || !strings.Contains(err.Error(), "without Object Lock") {
		t.Fatalf("err %v", err)
	}
}

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

	"github.com/earkiv/earkiv/internal/earkiv"
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
		Lock: earkiv.Lock{Mode: "GOVERNANCE", RetainUntil: until},
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
	if _, err := st.Put(ctx, bucket, "aip/forever.txt", strings.NewReader("x"), storage.PutOptions{Size: 1, Lock: earkiv.Lock{LegalHold: true}}); err != nil {
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
	testLockLater(t, st, bucket)
}

// testLockLater: a version stored without a lock can be removed until
// SetLock locks it; afterwards the store refuses. Versions lists each
// version with its own metadata.
func testLockLater(t *testing.T, st *storage.Store, bucket string) {
	ctx := context.Background()
	put := func(key, body, sub string) storage.Info {
		t.Helper()
		sum := sha256.Sum256([]byte(body))
		in, err := st.Put(ctx, bucket, key, strings.NewReader(body), storage.PutOptions{Size: int64(len(body)), SHA256: sum[:], Meta: map[string]string{"Earkiv-Submission": sub}})
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	until := time.Now().Add(24 * time.Hour).Truncate(time.Second)
	first := put("later/a.txt", "first", "s1")
	if err := st.SetLock(ctx, bucket, "later/a.txt", first.VersionID, earkiv.Lock{Mode: "GOVERNANCE", RetainUntil: until}); err != nil {
		t.Fatal(err)
	}
	if l, err := st.Retention(ctx, bucket, "later/a.txt"); err != nil || l.Mode != "GOVERNANCE" || !l.RetainUntil.Equal(until) {
		t.Fatalf("lock after SetLock %+v %v", l, err)
	}
	hold := put("later/b.txt", "held", "s1")
	if err := st.SetLock(ctx, bucket, "later/b.txt", hold.VersionID, earkiv.Lock{LegalHold: true}); err != nil {
		t.Fatal(err)
	}
	if l, err := st.Retention(ctx, bucket, "later/b.txt"); err != nil || !l.LegalHold {
		t.Fatalf("legal hold after SetLock %+v %v", l, err)
	}
	second := put("later/a.txt", "second", "s2")
	got := map[string]storage.Version{}
	for v, err := range st.Versions(ctx, bucket, "later/") {
		if err != nil {
			t.Fatal(err)
		}
		got[v.VersionID] = v
	}
	if len(got) != 3 {
		t.Fatalf("%d versions, want 3: %+v", len(got), got)
	}
	for _, want := range []struct {
		in       storage.Info
		sub, sha string
	}{{first, "s1", first.SHA256}, {second, "s2", second.SHA256}, {hold, "s1", hold.SHA256}} {
		if v := got[want.in.VersionID]; v.Meta["Earkiv-Submission"] != want.sub || v.SHA256 != want.sha || v.Key != want.in.Key {
			t.Fatalf("version %+v, want %s of %s", v, want.sub, want.in.Key)
		}
	}
	if err := st.RemoveVersion(ctx, bucket, "later/a.txt", first.VersionID); err == nil {
		t.Fatal("the store deleted a version locked after upload")
	}
	if err := st.RemoveVersion(ctx, bucket, "later/b.txt", hold.VersionID); err == nil {
		t.Fatal("the store deleted a version put on legal hold after upload")
	}
	if err := st.RemoveVersion(ctx, bucket, "later/a.txt", second.VersionID); err != nil {
		t.Fatalf("remove the unlocked version: %v", err)
	}
	in, err := st.Stat(ctx, bucket, "later/a.txt")
	if err != nil || in.VersionID != first.VersionID {
		t.Fatalf("after removing the newer version: %+v %v", in, err)
	}
}

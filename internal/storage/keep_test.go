package storage_test

import (
	"context"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/testenv"
)

// TestKeepAndHold: a kept record's lock (GOVERNANCE until KeepUntil) is
// accepted and read back by every store; a legal hold goes on and off
// without touching it; the store refuses deletion throughout; a
// governance date can be shortened only with bypass.
func TestKeepAndHold(t *testing.T) {
	for _, start := range testenv.Backends(t) {
		srv := start(t)
		t.Run(srv.Name, func(t *testing.T) {
			ctx := context.Background()
			st := srv.Store(t)
			const bucket = "earkiv-keep"
			if err := st.EnsureBucket(ctx, bucket); err != nil {
				t.Fatal(err)
			}
			put := func(key string, l earkiv.Lock) storage.Info {
				t.Helper()
				sum := sha256.Sum256([]byte(key))
				in, err := st.Put(ctx, bucket, key, strings.NewReader(key), storage.PutOptions{Size: int64(len(key)), SHA256: sum[:], Lock: l})
				if err != nil {
					t.Fatal(err)
				}
				return in
			}
			keep := earkiv.Lock{Mode: "GOVERNANCE", RetainUntil: earkiv.KeepUntil}
			in := put("k/bevaras.txt", keep)
			l, err := st.VersionLock(ctx, bucket, in.Key, in.VersionID)
			if err != nil || !l.Keeps() || l.Mode != "GOVERNANCE" {
				t.Fatalf("kept lock read back %+v %v", l, err)
			}
			if err := st.SetLegalHold(ctx, bucket, in.Key, in.VersionID, true); err != nil {
				t.Fatal(err)
			}
			if l, _ := st.VersionLock(ctx, bucket, in.Key, in.VersionID); !l.LegalHold || !l.Keeps() {
				t.Fatalf("held %+v", l)
			}
			if err := st.SetLegalHold(ctx, bucket, in.Key, in.VersionID, false); err != nil {
				t.Fatal(err)
			}
			if l, _ := st.VersionLock(ctx, bucket, in.Key, in.VersionID); l.LegalHold || !l.Keeps() {
				t.Fatalf("lifted %+v: the keep lock must stay", l)
			}
			if err := st.RemoveVersion(ctx, bucket, in.Key, in.VersionID); err == nil {
				t.Fatal("store deleted a kept record's version")
			}

			if srv.Name == "minio" {
				// The ingest credential cannot delete a kept record even
				// asking to bypass governance; the executor's can.
				ing, err := storage.New(srv.Narrowed(t, testenv.IngestPolicy))
				if err != nil {
					t.Fatal(err)
				}
				if err := ing.RemoveGoverned(ctx, bucket, in.Key, in.VersionID); err == nil {
					t.Fatal("the ingest credential deleted a kept record")
				}
				if _, err := ing.Stat(ctx, bucket, in.Key); err != nil {
					t.Fatalf("ingest credential cannot read: %v", err)
				}
				d := put("k/dispose.txt", keep)
				if err := st.RemoveGoverned(ctx, bucket, d.Key, d.VersionID); err != nil {
					t.Fatalf("executor credential: %v", err)
				}
			}

			// A gallras date can be extended by anyone and shortened only with bypass.
			until := time.Now().Add(48 * time.Hour).Truncate(time.Second)
			g := put("k/gallras.txt", earkiv.Lock{Mode: "GOVERNANCE", RetainUntil: until})
			if err := st.SetLock(ctx, bucket, g.Key, g.VersionID, earkiv.Lock{Mode: "GOVERNANCE", RetainUntil: until.Add(24 * time.Hour)}); err != nil {
				t.Fatalf("extend: %v", err)
			}
			if err := st.SetLock(ctx, bucket, g.Key, g.VersionID, earkiv.Lock{Mode: "GOVERNANCE", RetainUntil: until}); err == nil {
				t.Fatal("shortened without bypass")
			}
			if err := st.ShortenRetention(ctx, bucket, g.Key, g.VersionID, until); err != nil {
				t.Fatalf("shorten with bypass: %v", err)
			}
			if l, _ := st.VersionLock(ctx, bucket, g.Key, g.VersionID); !l.RetainUntil.Equal(until) {
				t.Fatalf("after shortening %+v, want %v", l, until)
			}
		})
	}
}

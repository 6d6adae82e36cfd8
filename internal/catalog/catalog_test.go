package catalog

import (
	"context"
	"errors"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/records"
)

func manifest(tenant, pkg string) *aip.Manifest {
	id := aip.ID(tenant, pkg)
	return &aip.Manifest{Format: aip.ManifestFormat, Tenant: tenant, AIPID: id, PackageID: pkg, SubmissionID: "s-" + pkg,
		Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Digest: "sha256:x", Files: 1, Bytes: 3,
		Objects: []aip.Object{{Key: aip.SubmissionKey(id, "a.txt"), Path: "submission/a.txt", Role: aip.RoleSubmission, Size: 3, SHA256: "ab"}},
		Cases: []records.Case{{ID: "KS 2025/1", Title: "Bygglov", Restriction: &records.Restrict{Type: "Sekretess", Regulation: "OSL 26:1"},
			Documents: []records.Document{{ID: "KS 2025/1-1", Title: "Ansökan", Files: []string{"a.txt"}}}}}}
}

func seq(ms ...*aip.Manifest) iter.Seq2[*aip.Manifest, error] {
	return func(yield func(*aip.Manifest, error) bool) {
		for _, m := range ms {
			if !yield(m, nil) {
				return
			}
		}
	}
}

func TestCatalog(t *testing.T) {
	ctx := context.Background()
	c, err := Open(ctx, filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a1, a2, b1 := manifest("alfa", "p1"), manifest("alfa", "p2"), manifest("beta", "p1")
	for _, m := range []*aip.Manifest{a1, a2, b1, a1} { // a1 twice: idempotent
		if err := c.PutAIP(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	aips, err := c.AIPs(ctx, "alfa")
	if err != nil || len(aips) != 2 {
		t.Fatalf("alfa AIPs %v %v", aips, err)
	}
	for _, a := range aips {
		if a.Tenant != "alfa" {
			t.Fatalf("beta's AIP listed for alfa: %+v", a)
		}
	}
	if _, err := c.Manifest(ctx, "alfa", b1.AIPID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("alfa read beta's manifest: %v", err)
	}
	cases, err := c.Cases(ctx, "alfa")
	if err != nil || len(cases) != 2 || !cases[0].Restricted || cases[0].Documents != 1 {
		t.Fatalf("cases %+v %v", cases, err)
	}
	before, _ := c.Dump(ctx, "alfa")
	// Rebuild from the same manifests gives the same rows; beta is untouched.
	if n, err := c.Rebuild(ctx, "alfa", seq(a2, a1)); err != nil || n != 2 {
		t.Fatalf("rebuild %d %v", n, err)
	}
	after, _ := c.Dump(ctx, "alfa")
	if strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Fatalf("rebuild differs:\n%v\n%v", before, after)
	}
	if aips, _ := c.AIPs(ctx, "beta"); len(aips) != 1 {
		t.Fatal("rebuilding alfa touched beta")
	}
	// A failed rebuild (a manifest of the wrong tenant) changes nothing.
	if _, err := c.Rebuild(ctx, "alfa", seq(a1, b1)); err == nil {
		t.Fatal("beta's manifest accepted into alfa's catalog")
	}
	if again, _ := c.Dump(ctx, "alfa"); strings.Join(again, "\n") != strings.Join(before, "\n") {
		t.Fatal("failed rebuild changed the catalog")
	}
	if err := c.PutReceipt(ctx, &earkiv.Receipt{Tenant: "alfa", SubmissionID: "s1", Status: earkiv.Accepted}); err != nil {
		t.Fatal(err)
	}
	if err := c.PutEvent(ctx, earkiv.Event{Seq: 7, Tenant: "alfa", Type: earkiv.AIPStored}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetState(ctx, "events", "7"); err != nil {
		t.Fatal(err)
	}
	if v, _ := c.State(ctx, "events"); v != "7" {
		t.Fatalf("state %q", v)
	}
}

// TestOpenPrivate: the catalog and its WAL and shared-memory files are
// readable by their owner only, whatever the umask.
func TestOpenPrivate(t *testing.T) {
	p := filepath.Join(t.TempDir(), "catalog.db")
	c, err := Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.PutAIP(context.Background(), manifest("alfa", "p1")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{p, p + "-wal", p + "-shm"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: mode %v", filepath.Base(f), fi.Mode().Perm())
		}
	}
}

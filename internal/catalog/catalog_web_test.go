package catalog

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/records"
)

func TestWebReads(t *testing.T) {
	ctx := context.Background()
	c, err := Open(ctx, filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a, b := manifest("alfa", "p1"), manifest("beta", "p1")
	a.Cases = append(a.Cases, records.Case{ID: "KS 2025/2", Title: "Öppet", Documents: []records.Document{
		{ID: "KS 2025/2-1", Title: "Brev", Restriction: &records.Restrict{Type: "Sekretess"}, Files: []string{"b.txt"}},
		{ID: "KS 2025/2-2", Title: "Svar"}}})
	a.Cases[0].PublicTitle = "Bygglov (offentlig)"
	for _, m := range []*aip.Manifest{a, b} {
		if err := c.PutAIP(ctx, m); err != nil {
			t.Fatal(err)
		}
	}

	list, err := c.CaseList(ctx, "alfa")
	if err != nil || len(list) != 2 {
		t.Fatalf("alfa's cases: %+v %v", list, err)
	}
	if l := list[0]; l.CaseID != "KS 2025/1" || !l.Restricted || l.PublicTitle != "Bygglov (offentlig)" || l.Documents != 1 {
		t.Fatalf("first case %+v", l)
	}

	for _, tc := range []struct {
		name, tenant, aip, cs string
		found, anyRestricted  bool
		docs                  int
	}{
		{"restricted case", "alfa", a.AIPID, "KS 2025/1", true, true, 1},
		{"open case with a restricted document", "alfa", a.AIPID, "KS 2025/2", true, true, 2},
		{"another tenant's AIP", "alfa", b.AIPID, "KS 2025/1", false, false, 0},
		{"own AIP read as another tenant", "beta", a.AIPID, "KS 2025/2", false, false, 0},
		{"unknown case", "alfa", a.AIPID, "KS 1999/9", false, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := c.Case(ctx, tc.tenant, tc.aip, tc.cs)
			if !tc.found {
				if !errors.Is(err, ErrNotFound) || d != nil {
					t.Fatalf("want ErrNotFound, got %+v %v", d, err)
				}
				return
			}
			if err != nil || d.AnyRestricted() != tc.anyRestricted || len(d.Docs) != tc.docs {
				t.Fatalf("case %+v %v", d, err)
			}
		})
	}
	d, err := c.Document(ctx, "alfa", a.AIPID, "KS 2025/2", "KS 2025/2-1")
	if err != nil || !d.Restricted || d.Restriction.Type != "Sekretess" || len(d.Files) != 1 || d.Files[0] != "b.txt" {
		t.Fatalf("document %+v %v", d, err)
	}
	if _, err := c.Document(ctx, "beta", a.AIPID, "KS 2025/2", "KS 2025/2-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("beta read alfa's document: %v", err)
	}

	now := time.Date(2026, 12, 4, 19, 50, 0, 0, time.UTC)
	for i, r := range []*earkiv.Receipt{
		{Tenant: "alfa", SubmissionID: "s1", Status: earkiv.Accepted, Finished: now.Add(-time.Hour)},
		{Tenant: "alfa", SubmissionID: "s2", Status: earkiv.Rejected, Reason: "invalid", Finished: now},
		{Tenant: "beta", SubmissionID: "s3", Status: earkiv.Rejected, Finished: now},
	} {
		if err := c.PutReceipt(ctx, r); err != nil {
			t.Fatal(i, err)
		}
	}
	rs, err := c.RecentReceipts(ctx, "alfa", 10)
	if err != nil || len(rs) != 2 || rs[0].SubmissionID != "s2" || !rs[0].Finished.Equal(now) {
		t.Fatalf("alfa's receipts %+v %v", rs, err)
	}

	if err := c.SetVerified(ctx, "alfa", a.Objects[0].Key, now, "ok", "r1"); err != nil {
		t.Fatal(err)
	}
	fx, err := c.Fixity(ctx, "alfa")
	if err != nil || len(fx) != 1 || fx[0].Objects != 1 || fx[0].Verified != 1 || fx[0].NotVerified() != 0 || !fx[0].LastAudit.Equal(now) {
		t.Fatalf("alfa's fixity %+v %v", fx, err)
	}
	if err := c.SetVerified(ctx, "beta", b.Objects[0].Key, now, "mismatch", "r1"); err != nil {
		t.Fatal(err)
	}
	counts, err := c.Counts(ctx)
	if err != nil || len(counts) != 2 {
		t.Fatalf("counts %+v %v", counts, err)
	}
	if n := counts[1]; n.Tenant != "beta" || n.AIPs != 1 || n.Failed != 1 || n.NotVerified != 0 || n.Rejected != 1 {
		t.Fatalf("beta's counts %+v", n)
	}
	if n := counts[0]; n.Tenant != "alfa" || n.Failed != 0 || n.Rejected != 1 {
		t.Fatalf("alfa's counts %+v", n)
	}
}

package plans_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/plans"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

const csv = "Regel;Klass;Åtgärd;Gallringsfrist\n1;1.1;Bevaras;\n2;2.3;Gallras;2 år\n"

func TestVersions(t *testing.T) {
	ctx := context.Background()
	pw := map[string]string{}
	n := testenv.StartNATS(t, t.TempDir(), []*tenant.Tenant{testenv.Tenant(t, "alfa", "2120000001", pw)}, pw)
	q := n.Service(t)
	s := &plans.Store{KV: q.Retention, Events: q, Now: time.Now}

	// Imports at once each get a number of their own.
	var wg sync.WaitGroup
	ids := make(chan string, 3)
	for range 3 {
		wg.Go(func() {
			v, err := s.Import(ctx, "alfa", "anna", "ihp.csv", []byte(csv))
			if err != nil {
				t.Error(err)
				return
			}
			ids <- v.ID
		})
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		seen[id] = true
	}
	if len(seen) != 3 || !seen["v1"] || !seen["v3"] {
		t.Fatalf("versions %v, want v1..v3", seen)
	}
	if _, err := s.Import(ctx, "alfa", "anna", "bad.csv", []byte("Regel;Åtgärd\n1;Kanske\n")); err == nil {
		t.Fatal("a bad plan was imported")
	}

	// Two people activate v1 at once: one succeeds.
	var mu sync.Mutex
	ok := 0
	for range 2 {
		wg.Go(func() {
			if _, err := s.Activate(ctx, "alfa", "v1", "berit", "2026-01-01"); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			} else if !errors.Is(err, plans.ErrNotDraft) && !errors.Is(err, plans.ErrConflict) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("%d activations of one draft succeeded", ok)
	}
	// v2 takes over on a later day; until then v1 governs.
	if _, err := s.Activate(ctx, "alfa", "v2", "berit", "2027-01-01"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Activate(ctx, "alfa", "v3", "berit", "igår"); err == nil {
		t.Fatal("activated with an unreadable date")
	}
	vs, err := s.List(ctx, "alfa")
	if err != nil {
		t.Fatal(err)
	}
	for day, want := range map[string]string{"2025-12-31": "", "2026-06-01": "v1", "2027-01-01": "v2"} {
		got := plans.InForce(vs, day)
		if (got == nil) != (want == "") || (got != nil && got.ID != want) {
			t.Errorf("in force on %s: %+v, want %q", day, got, want)
		}
	}
	if _, err := s.Get(ctx, "alfa", "../v1"); !errors.Is(err, plans.ErrNotFound) {
		t.Errorf("a bad id: %v", err)
	}
}

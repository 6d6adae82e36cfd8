package retention_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/fgs"
	"github.com/earkiv/earkiv/internal/fixity"
	"github.com/earkiv/earkiv/internal/holds"
	"github.com/earkiv/earkiv/internal/ihp"
	"github.com/earkiv/earkiv/internal/ingest"
	"github.com/earkiv/earkiv/internal/pkgstore"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/plans"
	"github.com/earkiv/earkiv/internal/retention"
	"github.com/earkiv/earkiv/internal/samplegen"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
	"github.com/earkiv/earkiv/internal/validate"
	"github.com/earkiv/earkiv/schemas"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

// env is an archive back end for one municipality: embedded NATS, a
// primary and a replica S3 server, a catalog following the events, an
// ingest worker with the appraiser, and the retention service.
type env struct {
	t       *testing.T
	ctx     context.Context
	nats    *testenv.NATS
	primary *testenv.S3
	prim    *storage.Store
	repl    *storage.Store
	alfa    *tenant.Tenant
	cat     *catalog.Catalog
	svc     *retention.Service
	plans   *plans.Store
	n       int
}

func newEnv(t *testing.T, backend func(testing.TB) *testenv.S3) *env {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	pw := map[string]string{}
	alfa := testenv.Tenant(t, "alfa", "2120000001", pw)
	reg := &tenant.Registry{Tenants: []*tenant.Tenant{alfa}}
	e := &env{t: t, ctx: ctx, alfa: alfa}
	e.primary = backend(t)
	e.prim, e.repl = e.primary.Store(t), backend(t).Store(t)
	e.nats = testenv.StartNATS(t, t.TempDir(), reg.Tenants, pw)
	q := e.nats.Service(t)
	cat, err := catalog.Open(ctx, filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	e.cat = cat
	place := placement.Fixed{Store: e.prim, Second: e.repl}
	follow := make(chan struct{})
	fctx, fcancel := context.WithCancel(ctx)
	go func() {
		defer close(follow)
		cat.Follow(fctx, q, func(ctx context.Context, _, id string) (*aip.Manifest, error) {
			return aipstore.ReadManifest(ctx, e.prim, alfa.Bucket, id)
		}, slog.Default())
	}()
	t.Cleanup(func() { fcancel(); <-follow })

	e.plans = &plans.Store{KV: q.Retention, Events: q, Now: time.Now}
	hs := &holds.Store{KV: q.Retention, Events: q, Now: time.Now}
	e.svc = retention.New(retention.Config{Plans: e.plans, Holds: hs, Catalog: cat, Place: place, Events: q, Version: "test"})
	fsys, _, err := schemas.Open("")
	if err != nil {
		t.Fatal(err)
	}
	v, err := validate.New(fsys, validate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := ingest.New(ingest.Config{Tenants: func() *tenant.Registry { return reg }, Place: place, Queue: q, Validator: v,
		SpoolDir: t.TempDir(), Heartbeat: time.Second, StoreRetry: 30 * time.Second, Version: "test",
		Appraiser: &retention.Appraiser{Plans: e.plans, Holds: hs}})
	if err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); w.Run(wctx) }()
	t.Cleanup(func() { wcancel(); <-done })
	return e
}

// deliver archives a generated delivery of one case with two documents.
func (e *env) deliver(class, caseType, closed string) *aip.Manifest {
	e.t.Helper()
	e.n++
	dir, err := samplegen.Generate(e.ctx, e.t.TempDir(), samplegen.Spec{Family: fgs.FamilyFGS1, Cases: 1, Files: 2, Size: 200, Checksum: fixity.SHA256,
		OrgName: "Exempelby kommun", OrgID: "2120000001", Class: class, CaseType: caseType, DocType: "Ansökan", Closed: closed, Seed: uint64(e.n)})
	if err != nil {
		e.t.Fatal(err)
	}
	prod := e.nats.Producer(e.t, e.alfa)
	req, err := pkgstore.New(prod).Submit(e.ctx, "alfa", dir, pkgstore.SubmitOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(e.ctx, time.Minute)
	defer cancel()
	r, err := prod.WaitReceipt(ctx, "alfa", req.SubmissionID)
	if err != nil || !r.OK() {
		e.t.Fatalf("delivery: %+v %v", r, err)
	}
	m, err := aipstore.ReadManifest(e.ctx, e.prim, e.alfa.Bucket, r.AIPID)
	if err != nil {
		e.t.Fatal(err)
	}
	testenv.Eventually(e.t, 30*time.Second, func() error {
		if recs, err := e.cat.Retention(e.ctx, "alfa", r.AIPID); err != nil || len(recs) == 0 {
			return fmt.Errorf("AIP %s not catalogued yet (%v)", r.AIPID, err)
		}
		return nil
	})
	return m
}

// outcomes waits until the catalog gives every record of the AIP outcome
// want (by document: "" is the case), and returns them.
func (e *env) outcomes(aipID string, want func(catalog.Record) error) []catalog.Record {
	e.t.Helper()
	var recs []catalog.Record
	testenv.Eventually(e.t, 30*time.Second, func() error {
		var err error
		if recs, err = e.cat.Retention(e.ctx, "alfa", aipID); err != nil {
			return err
		}
		for _, r := range recs {
			if err := want(r); err != nil {
				return fmt.Errorf("%s %s: %w", r.Case, r.Document, err)
			}
		}
		return nil
	})
	return recs
}

func gallras(date string) func(catalog.Record) error {
	return func(r catalog.Record) error {
		if r.Outcome.Outcome != ihp.Gallras || r.Outcome.Date != date || r.Outcome.Basis.Rule == "" {
			return fmt.Errorf("outcome %+v, want gallras %s by a rule", r.Outcome, date)
		}
		return nil
	}
}

// locks checks every version of every object of m, in primary and
// replica, against want.
func (e *env) locks(m *aip.Manifest, want func(earkiv.Lock) error) {
	e.t.Helper()
	keys := []string{aip.ManifestKey(m.AIPID)}
	for _, o := range m.Objects {
		keys = append(keys, o.Key)
	}
	for _, st := range []*storage.Store{e.prim, e.repl} {
		for _, k := range keys {
			testenv.Eventually(e.t, 30*time.Second, func() error {
				l, err := st.Retention(e.ctx, e.alfa.Bucket, k)
				if err != nil {
					return err
				}
				if err := want(l); err != nil {
					return fmt.Errorf("%s on %s: lock %+v: %w", k, st.Endpoint(), l, err)
				}
				return nil
			})
		}
	}
}

func until(d string) func(earkiv.Lock) error {
	day, _ := time.Parse(time.DateOnly, d)
	return func(l earkiv.Lock) error {
		if !l.RetainUntil.Equal(day) || l.Mode != "GOVERNANCE" {
			return fmt.Errorf("want GOVERNANCE until %s", d)
		}
		return nil
	}
}

func kept(l earkiv.Lock) error {
	if !l.Keeps() {
		return fmt.Errorf("want the keep lock")
	}
	return nil
}

func held(on bool) func(earkiv.Lock) error {
	return func(l earkiv.Lock) error {
		if l.LegalHold != on {
			return fmt.Errorf("want legal hold %v", on)
		}
		return nil
	}
}

const planV1 = "\ufeffRegel;Klass;Ärendetyp;Handlingstyp;Åtgärd;Gallringsfrist;Räknas från;Beslut;Lagrum\n" +
	"1.1;1.1;;;Bevaras;;;;\n" +
	"2.3.1;2.3.1;Bygglov;;Gallras;2 år;ärendets avslut;BN 2019-05-12 § 45, dnr BN 2019/123;\n" +
	"2.3.1a;2.3.1;Bygglov;Ansökan;Gallras;2 år;ärendets avslut;BN 2019-05-12 § 45, dnr BN 2019/123;\n"

// TestPlanGovernsRecords is the whole of part 1 on real stores: outcomes
// and locks at ingest, a record without a rule kept and queued, a plan
// change previewed and applied with locks extended in both copies, holds
// by query (a later ingest held too) and lifted, and reindex bringing
// back plans, outcomes and holds from the buckets and the log alone.
func TestPlanGovernsRecords(t *testing.T) {
	for i, backend := range testenv.Backends(t) {
		t.Run([]string{"versitygw", "minio"}[i], func(t *testing.T) { testPlan(t, backend) })
	}
}

func testPlan(t *testing.T, backend func(testing.TB) *testenv.S3) {
	e := newEnv(t, backend)
	ctx := e.ctx
	today := plans.Day(time.Now())
	year := time.Now().Year()

	// Before any plan: bevaras, queued for review, kept by the lock.
	old := e.deliver("2.3.1", "Bygglov", "2015-01-01")
	if old.Plan != "" || len(old.Outcomes) != 1 || old.Outcomes[0].Outcome.Review == "" {
		t.Fatalf("no plan in force: manifest plan %q outcomes %+v", old.Plan, old.Outcomes)
	}
	e.locks(old, kept)

	// An utkast and its preview.
	v1, err := e.svc.ImportPlan(ctx, e.alfa, "ansvarig", "ihp.csv", []byte(planV1))
	if err != nil {
		t.Fatal(err)
	}
	pre, err := e.svc.Preview(ctx, e.alfa, v1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(pre.Changes) != 3 { // the case and its two documents
		t.Fatalf("preview %+v, want the old delivery's 3 records", pre.Changes)
	}
	for _, c := range pre.Changes {
		if c.New.Outcome != ihp.Gallras || c.New.Date != "2017-01-01" {
			t.Errorf("preview %+v", c)
		}
	}
	if _, err := e.svc.ActivatePlan(ctx, e.alfa, v1.ID, "ansvarig", ""); err != nil {
		t.Fatal(err)
	}
	e.outcomes(old.AIPID, gallras("2017-01-01"))
	// The earlier date is recorded, not applied: the old records stay kept
	// by the store until the executor shortens their locks.
	e.locks(old, kept)
	due, err := e.cat.Due(ctx, "alfa", today)
	if err != nil || len(due) != 3 {
		t.Fatalf("due: %d records %v, want 3", len(due), err)
	}
	// The plan is archived as an AIP of its own, kept.
	pv, err := e.plans.Get(ctx, "alfa", v1.ID)
	if err != nil || pv.AIPID == "" || pv.State != plans.Active {
		t.Fatalf("plan %+v %v", pv, err)
	}
	pm, err := aipstore.ReadManifest(ctx, e.prim, e.alfa.Bucket, pv.AIPID)
	if err != nil || pm.Family != retention.FamilyPlan {
		t.Fatalf("plan AIP %+v %v", pm, err)
	}
	e.locks(pm, kept)
	testenv.Eventually(t, 30*time.Second, func() error {
		as, err := e.cat.AIPs(ctx, "alfa")
		if err != nil || !slices.ContainsFunc(as, func(a catalog.AIP) bool { return a.PackageID == retention.PlanPackageID("alfa", v1.ID) }) {
			return fmt.Errorf("the plan's AIP is not in the catalog (%v)", err)
		}
		return nil
	})

	// A gallras record ingested under the plan: locked until its date, and
	// the store refuses to delete it before then.
	closed := fmt.Sprintf("%d-03-15", year-1)
	date := fmt.Sprintf("%d-03-15", year+1)
	fresh := e.deliver("2.3.1", "Bygglov", closed)
	if fresh.Plan != v1.ID {
		t.Fatalf("fresh delivery under plan %q", fresh.Plan)
	}
	e.outcomes(fresh.AIPID, gallras(date))
	e.locks(fresh, until(date))
	for _, o := range fresh.Objects {
		if err := e.prim.RemoveVersion(ctx, e.alfa.Bucket, o.Key, o.VersionID); err == nil {
			t.Fatalf("the store deleted %s before its disposal date", o.Key)
		}
	}

	// A record without a rule: bevaras and in the review queue, kept even
	// from a credential asking to bypass governance if it may not.
	stray := e.deliver("9.9", "Okänt", "2020-01-01")
	e.outcomes(stray.AIPID, func(r catalog.Record) error {
		if r.Outcome.Outcome != ihp.Bevaras || r.Outcome.Review != ihp.ReviewNoRule {
			return fmt.Errorf("outcome %+v, want bevaras for review", r.Outcome)
		}
		return nil
	})
	e.locks(stray, kept)
	review, err := e.cat.Review(ctx, "alfa")
	if err != nil || !slices.ContainsFunc(review, func(r catalog.Record) bool { return r.AIP == stray.AIPID }) {
		t.Fatalf("review queue %+v %v lacks the record without a rule", review, err)
	}
	if e.primary.Name == "minio" {
		ing, err := storage.New(e.primary.Narrowed(t, testenv.IngestPolicy))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range stray.Objects {
			if err := ing.RemoveGoverned(ctx, e.alfa.Bucket, o.Key, o.VersionID); err == nil {
				t.Fatalf("the ingest credential deleted %s of a kept record", o.Key)
			}
		}
	}

	// A plan change to a longer frist: preview equals what apply does, and
	// the later date extends the locks in both copies.
	planV2 := strings.ReplaceAll(planV1, ";2 år;", ";5 år;")
	v2, err := e.svc.ImportPlan(ctx, e.alfa, "ansvarig", "ihp-2.csv", []byte(planV2))
	if err != nil {
		t.Fatal(err)
	}
	diff, err := e.svc.Diff(ctx, e.alfa, v1.ID, v2.ID)
	if err != nil || len(diff) != 2 {
		t.Fatalf("diff %+v %v", diff, err)
	}
	pre2, err := e.svc.Preview(ctx, e.alfa, v2.ID)
	if err != nil {
		t.Fatal(err)
	}
	later := fmt.Sprintf("%d-03-15", year+4)
	if _, err := e.svc.ActivatePlan(ctx, e.alfa, v2.ID, "ansvarig", ""); err != nil {
		t.Fatal(err)
	}
	e.outcomes(fresh.AIPID, gallras(later))
	e.outcomes(old.AIPID, gallras("2020-01-01"))
	for _, c := range pre2.Changes {
		recs, err := e.cat.Retention(ctx, "alfa", c.AIP)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(recs, func(r catalog.Record) bool { return r.Case == c.Case && r.Document == c.Document })
		if i < 0 || recs[i].Outcome != c.New {
			t.Errorf("preview said %+v; applied %+v", c.New, recs[i].Outcome)
		}
	}
	e.locks(fresh, until(later))
	if pv, _ := e.plans.Get(ctx, "alfa", v1.ID); pv.State != plans.Ended || pv.SucceededBy != v2.ID {
		t.Errorf("v1 after v2: %+v", pv)
	}

	// A hold by query: legal hold on what it covers, the records leave the
	// due list, and a later delivery it matches is held from the start.
	q, err := holds.ParseQuery("klass=2.3")
	if err != nil {
		t.Fatal(err)
	}
	h, err := e.svc.PlaceHold(ctx, e.alfa, "ansvarig", holds.Scope{Query: q}, "tvist", "Mål 123-26")
	if err != nil {
		t.Fatal(err)
	}
	e.locks(old, held(true))
	e.locks(fresh, held(true))
	e.locks(stray, held(false))
	testenv.Eventually(t, 30*time.Second, func() error {
		if due, err := e.cat.Due(ctx, "alfa", today); err != nil || len(due) != 0 {
			return fmt.Errorf("due while held: %d %v", len(due), err)
		}
		return nil
	})
	later2 := e.deliver("2.3.1", "Bygglov", "2016-06-30")
	if !slices.Contains(later2.Holds, h.ID) {
		t.Fatalf("a delivery the hold matches came in without it: %v", later2.Holds)
	}
	e.locks(later2, held(true))
	if _, err := e.svc.LiftHold(ctx, e.alfa, h.ID, "ansvarig", "tvisten avgjord"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.LiftHold(ctx, e.alfa, h.ID, "ansvarig", "igen"); err == nil {
		t.Error("a hold was lifted twice")
	}
	e.locks(old, held(false))
	e.locks(later2, held(false))
	e.locks(old, kept) // lifting a hold never makes a kept record deletable
	testenv.Eventually(t, 30*time.Second, func() error {
		if due, err := e.cat.Due(ctx, "alfa", today); err != nil || len(due) != 6 {
			return fmt.Errorf("due after the lift: %d %v, want 6", len(due), err)
		}
		return nil
	})

	// Reindex: a new catalog from the bucket and the event log alone.
	fresh2, err := catalog.Open(ctx, filepath.Join(t.TempDir(), "rebuilt.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh2.Close()
	if _, err := fresh2.RebuildFrom(ctx, "alfa", e.prim, e.alfa.Bucket); err != nil {
		t.Fatal(err)
	}
	if _, err := fresh2.RebuildRetention(ctx, "alfa", e.nats.Service(t)); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{old.AIPID, fresh.AIPID, stray.AIPID, later2.AIPID} {
		a, _ := e.cat.Retention(ctx, "alfa", id)
		b, _ := fresh2.Retention(ctx, "alfa", id)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("AIP %s after reindex:\n%v\nwant\n%v", id, b, a)
		}
	}
	pa, _ := e.cat.Plans(ctx, "alfa")
	pb, _ := fresh2.Plans(ctx, "alfa")
	ha, _ := e.cat.Holds(ctx, "alfa")
	hb, _ := fresh2.Holds(ctx, "alfa")
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	if len(pa) != 2 || js(pa) != js(pb) || len(ha) != 1 || js(ha) != js(hb) {
		t.Errorf("reindex: plans %v holds %v, want %v %v", pb, hb, pa, ha)
	}

	// A shorter frist is recorded, not applied; a later one still short of
	// the lock the store holds leaves that lock and is no failure.
	for _, frist := range []string{"1 år", "3 år"} {
		v, err := e.svc.ImportPlan(ctx, e.alfa, "ansvarig", "ihp.csv", []byte(strings.ReplaceAll(planV1, ";2 år;", ";"+frist+";")))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ActivatePlan(ctx, e.alfa, v.ID, "ansvarig", ""); err != nil {
			t.Fatalf("%s: %v", frist, err)
		}
	}
	e.outcomes(fresh.AIPID, gallras(fmt.Sprintf("%d-03-15", year+2)))
	e.locks(fresh, until(later))
}

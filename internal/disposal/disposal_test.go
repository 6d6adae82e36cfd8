package disposal_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/audit"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/disposal"
	"github.com/earkiv/earkiv/internal/fgs"
	"github.com/earkiv/earkiv/internal/fixity"
	"github.com/earkiv/earkiv/internal/holds"
	"github.com/earkiv/earkiv/internal/ingest"
	"github.com/earkiv/earkiv/internal/pkgstore"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/plans"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/retention"
	"github.com/earkiv/earkiv/internal/samplegen"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
	"github.com/earkiv/earkiv/internal/validate"
	"github.com/earkiv/earkiv/schemas"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMain(m *testing.M) { testenv.Main(m, map[string]testenv.Role{"executor": executorRole}) }

// env is an archive back end for one municipality with a replica: NATS,
// two S3 servers, a catalog following the events, an ingest worker, the
// retention service and the gallring service.
type env struct {
	t         *testing.T
	ctx       context.Context
	nats      *testenv.NATS
	primary   *testenv.S3
	replica   *testenv.S3
	prim      *storage.Store
	repl      *storage.Store
	alfa      *tenant.Tenant
	catFile   string
	cat       *catalog.Catalog
	ret       *retention.Service
	svc       *disposal.Service
	plans     *plans.Store
	n         int
	tenantsYA string
}

func newEnv(t *testing.T, backend func(testing.TB) *testenv.S3) *env {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	pw := map[string]string{}
	alfa := testenv.Tenant(t, "alfa", "2120000001", pw)
	alfa.CoolingOff = "0"
	reg := &tenant.Registry{Tenants: []*tenant.Tenant{alfa}}
	e := &env{t: t, ctx: ctx, alfa: alfa}
	e.primary, e.replica = backend(t), backend(t)
	e.prim, e.repl = e.primary.Store(t), e.replica.Store(t)
	e.nats = testenv.StartNATS(t, t.TempDir(), reg.Tenants, pw)
	q := e.nats.Service(t)
	e.catFile = filepath.Join(t.TempDir(), "catalog.db")
	cat, err := catalog.Open(ctx, e.catFile)
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
	e.ret = retention.New(retention.Config{Plans: e.plans, Holds: hs, Catalog: cat, Place: place, Events: q, Version: "test"})
	e.svc = disposal.New(disposal.Config{KV: q.Retention, Events: q, Catalog: cat, Place: place, Plans: e.plans, Holds: hs, Version: "test",
		Reapply: func(ctx context.Context, t *tenant.Tenant) error { _, err := e.ret.Apply(ctx, t); return err }})
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
	e.tenantsYA = filepath.Join(t.TempDir(), "tenants.yaml")
	if err := reg.Save(e.tenantsYA); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) deliver(class, docType, closed string, cases int) *aip.Manifest {
	e.t.Helper()
	e.n++
	dir, err := samplegen.Generate(e.ctx, e.t.TempDir(), samplegen.Spec{Family: fgs.FamilyFGS1, Cases: cases, Files: 2, Size: 300, Checksum: fixity.SHA256,
		OrgName: "Exempelby kommun", OrgID: "2120000001", Class: class, CaseType: "Bygglov", DocType: docType, Closed: closed, Seed: uint64(e.n)})
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

// versions lists the versions left under an AIP in a store, gallring's
// own records aside.
func (e *env) versions(st *storage.Store, aipID string) []string {
	e.t.Helper()
	var out []string
	for v, err := range st.ListVersions(e.ctx, e.alfa.Bucket, aipID+"/") {
		if err != nil {
			e.t.Fatal(err)
		}
		if !aip.IsGallringKey(aipID, v.Key) {
			out = append(out, v.Key)
		}
	}
	return out
}

const plan = "Regel;Klass;Ärendetyp;Handlingstyp;Åtgärd;Gallringsfrist;Beslut;Lagrum\n" +
	"2.3.1;2.3.1;;;Gallras;2 år;BN 2019-05-12 § 45, dnr BN 2019/123;\n" +
	"2.4;2.4;;;Gallras;1 år;BN 2019-05-12 § 45, dnr BN 2019/123;\n" +
	"3.1;3.1;;;Bevaras;;;\n" +
	"3.1.a;3.1;;Kvittens;Gallras;0;BN 2020-02-10 § 12, dnr BN 2020/7;\n"

func (e *env) activate(csv string) *plans.Version {
	e.t.Helper()
	v, err := e.ret.ImportPlan(e.ctx, e.alfa, "ansvarig", "ihp.csv", []byte(csv))
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.ret.ActivatePlan(e.ctx, e.alfa, v.ID, "ansvarig", ""); err != nil {
		e.t.Fatal(err)
	}
	return v
}

// TestGallring is the whole chain on real deliveries: propose, exclude
// one, attest by the other person, execute after an ångerfrist of 0;
// every version gone from primary and replica, catalog cleaned,
// tombstones, a partial gallring of documents in a kept case, a hold
// placed and a plan changed after attest (both skipped and reported),
// the protocol archived and verify passing, reindex bringing nothing back.
func TestGallring(t *testing.T) {
	for i, backend := range testenv.Backends(t) {
		t.Run([]string{"versitygw", "minio"}[i], func(t *testing.T) { testGallring(t, backend) })
	}
}

func testGallring(t *testing.T, backend func(testing.TB) *testenv.S3) {
	e := newEnv(t, backend)
	ctx := e.ctx
	if e.primary.Name == "minio" {
		// The executor deletes with the disposal credential only: its
		// ordinary placement is narrowed like an ingest worker's, which
		// the store refuses governance bypass.
		narrow := func(s *testenv.S3) *storage.Store {
			st, err := storage.New(s.Narrowed(t, testenv.IngestPolicy))
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		q := e.nats.Service(t)
		hs := &holds.Store{KV: q.Retention, Events: q, Now: time.Now}
		e.svc = disposal.New(disposal.Config{KV: q.Retention, Events: q, Catalog: e.cat,
			Place:   placement.Fixed{Store: narrow(e.primary), Second: narrow(e.replica)},
			Dispose: placement.Fixed{Store: e.prim, Second: e.repl}, Plans: e.plans, Holds: hs, Version: "test",
			Reapply: func(ctx context.Context, t *tenant.Tenant) error { _, err := e.ret.Apply(ctx, t); return err }})
	}
	e.activate(plan)
	gone := e.deliver("2.3.1", "Ansökan", "2015-01-01", 2)   // disposed of wholly
	kept := e.deliver("2.3.1", "Ansökan", "2015-01-01", 1)   // excluded: kept after all
	held := e.deliver("2.3.1", "Ansökan", "2015-01-01", 1)   // a hold after attest
	changed := e.deliver("2.4", "Ansökan", "2015-01-01", 1)  // the plan changed to bevaras after attest
	partial := e.deliver("3.1", "Kvittens", "2015-01-01", 1) // documents of a kept case
	later := e.deliver("2.3.1", "Ansökan", fmt.Sprintf("%d-01-01", time.Now().Year()), 1)

	// An ångerfrist: a list attested now cannot run yet, and is cancelled.
	e.alfa.CoolingOff = "1h"
	l0, err := e.svc.Propose(ctx, e.alfa, "arkivarie", disposal.Filter{Class: "2.4"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Attest(ctx, e.alfa, l0.ID, "ansvarig"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Start(ctx, e.alfa, l0.ID, "ansvarig"); !errors.Is(err, disposal.ErrCooling) {
		t.Fatalf("started within the ångerfrist: %v", err)
	}
	if _, err := e.svc.Cancel(ctx, e.alfa, l0.ID, "ansvarig", "fel urval"); err != nil {
		t.Fatal(err)
	}
	e.alfa.CoolingOff = "0"

	l, err := e.svc.Propose(ctx, e.alfa, "arkivarie", disposal.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	fr, err := e.svc.Frozen(ctx, e.alfa, l)
	if err != nil {
		t.Fatal(err)
	}
	onList := map[string]bool{}
	for _, it := range fr.Items {
		onList[it.AIP] = true
	}
	for name, m := range map[string]*aip.Manifest{"gone": gone, "kept": kept, "held": held, "changed": changed, "partial": partial} {
		if !onList[m.AIPID] {
			t.Fatalf("%s is not on the list", name)
		}
	}
	if onList[later.AIPID] {
		t.Fatal("a record not yet due is on the list")
	}
	if _, err := e.svc.Exclude(ctx, e.alfa, l.ID, kept.AIPID, "arkivarie", "", ""); err == nil {
		t.Fatal("excluded without a reason")
	}
	if _, err := e.svc.Exclude(ctx, e.alfa, l.ID, kept.AIPID, "arkivarie", "Underlag i pågående tillsyn", ""); err != nil {
		t.Fatal(err)
	}
	// Kept after all: at once bevaras, off the due list, locked as kept.
	if kr, _ := e.cat.Retention(ctx, "alfa", kept.AIPID); len(kr) == 0 || kr[0].Outcome.Outcome != "bevaras" {
		t.Fatalf("an excluded record is not kept at once: %+v", kr)
	}
	if due, _ := e.cat.Due(ctx, "alfa", plans.Day(time.Now())); slices.ContainsFunc(due, func(r catalog.Record) bool { return r.AIP == kept.AIPID }) {
		t.Fatal("an excluded record is still due")
	}
	testenv.Eventually(t, 30*time.Second, func() error {
		l, err := e.prim.Retention(ctx, e.alfa.Bucket, kept.Objects[0].Key)
		if err != nil || !l.Keeps() {
			return fmt.Errorf("excluded record's lock %+v %v", l, err)
		}
		return nil
	})
	if _, err := e.svc.Attest(ctx, e.alfa, l.ID, "arkivarie"); !errors.Is(err, disposal.ErrOwnList) {
		t.Fatalf("the proposer attested their own list: %v", err)
	}
	if _, err := e.svc.Reject(ctx, e.alfa, l.ID, "ansvarig", "Kontrollera klass 3.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Attest(ctx, e.alfa, l.ID, "ansvarig"); err != nil {
		t.Fatal(err)
	}
	// After attest: a hold, and the plan changed for class 2.4.
	if _, err := e.ret.PlaceHold(ctx, e.alfa, "ansvarig", holds.Scope{AIP: held.AIPID}, "tvist", "Mål 1-26"); err != nil {
		t.Fatal(err)
	}
	e.activate(strings.Replace(plan, "2.4;2.4;;;Gallras;1 år;", "2.4;2.4;;;Bevaras;;", 1))
	if _, err := e.svc.Exclude(ctx, e.alfa, l.ID, held.AIPID, "arkivarie", "för sent", ""); err == nil {
		t.Fatal("excluded after attest")
	}

	if _, err := e.svc.Start(ctx, e.alfa, l.ID, "ansvarig"); err != nil {
		t.Fatal(err)
	}
	done, err := e.svc.Run(ctx, e.alfa, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	if done.State != disposal.Done || done.Protocol == "" {
		t.Fatalf("list after run: %+v", done)
	}

	// Wholly disposed: no version left in either copy, not in the
	// catalog, retention answers from the tombstone.
	for _, st := range []*storage.Store{e.prim, e.repl} {
		if left := e.versions(st, gone.AIPID); len(left) > 0 {
			t.Fatalf("%s: versions left of a disposed AIP: %v", st.Endpoint(), left)
		}
		if _, err := st.Stat(ctx, e.alfa.Bucket, aip.TombstoneKey(gone.AIPID, l.ID)); err != nil {
			t.Fatalf("%s: no tombstone: %v", st.Endpoint(), err)
		}
	}
	if _, err := e.cat.Manifest(ctx, "alfa", gone.AIPID); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("disposed AIP still catalogued: %v", err)
	}
	recs, err := e.cat.Retention(ctx, "alfa", gone.AIPID)
	if err != nil || len(recs) != 6 || recs[0].Outcome.Outcome != catalog.Gallrad || recs[0].List != l.ID {
		t.Fatalf("retention of the disposed AIP: %+v %v", recs, err)
	}
	// Partially disposed: the documents' files gone, a new manifest
	// revision naming them, the case kept.
	pm, err := aipstore.ReadManifest(ctx, e.prim, e.alfa.Bucket, partial.AIPID)
	if err != nil || pm.Revision != 2 || len(pm.Disposals) != 1 || len(pm.Cases) != 1 || len(pm.Cases[0].Documents) != 0 {
		t.Fatalf("partial AIP's manifest: %+v %v", pm, err)
	}
	for _, k := range pm.Disposals[0].Keys {
		for _, st := range []*storage.Store{e.prim, e.repl} {
			if slices.Contains(e.versions(st, partial.AIPID), k) {
				t.Fatalf("%s: %s left after partial gallring", st.Endpoint(), k)
			}
		}
	}
	if len(pm.Disposals[0].Keys) != 2 {
		t.Fatalf("partial gallring removed %v, want the two documents' files", pm.Disposals[0].Keys)
	}
	for _, o := range pm.Objects {
		if _, err := e.prim.Stat(ctx, e.alfa.Bucket, o.Key); err != nil {
			t.Fatalf("partial AIP lost %s: %v", o.Key, err)
		}
	}
	// Kept, held and changed are all there; the protocol says why.
	for _, m := range []*aip.Manifest{kept, held, changed} {
		if _, err := e.prim.Stat(ctx, e.alfa.Bucket, aip.ManifestKey(m.AIPID)); err != nil {
			t.Fatalf("AIP %s was left, but is gone: %v", m.AIPID, err)
		}
	}
	reasons := map[string]string{}
	for _, s := range done.Skipped {
		reasons[s.AIP] = s.Reason
	}
	if !strings.Contains(reasons[held.AIPID], "gallringsstopp") || !strings.Contains(reasons[changed.AIPID], "bevaras") {
		t.Fatalf("skipped %+v", done.Skipped)
	}
	kr, _ := e.cat.Retention(ctx, "alfa", kept.AIPID)
	if len(kr) == 0 || kr[0].Outcome.Outcome != "bevaras" {
		t.Fatalf("an excluded record is not kept: %+v", kr)
	}
	// The protocol: archived, COMPLIANCE, naming identifiers and reasons.
	pj, err := e.svc.ProtocolFile(ctx, e.alfa, done, false)
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(pj, &p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{gone.Cases[0].ID, "BN 2019-05-12 § 45", l.SHA256, "Underlag i pågående tillsyn", "gallringsstopp", "ansvarig", "arkivarie"} {
		if !strings.Contains(string(pj), want) {
			t.Errorf("protocol lacks %q", want)
		}
	}
	for _, title := range []string{gone.Cases[0].Title, partial.Cases[0].Documents[0].Title} {
		if strings.Contains(string(pj), title) {
			t.Errorf("protocol names the title %q", title)
		}
	}
	pdf, err := e.svc.ProtocolFile(ctx, e.alfa, done, true)
	if err != nil || !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("protocol PDF: %.20q %v", pdf, err)
	}
	lock, err := e.prim.Retention(ctx, e.alfa.Bucket, aip.ManifestKey(done.Protocol))
	if err != nil || lock.Mode != "COMPLIANCE" || !lock.Keeps() {
		t.Fatalf("protocol AIP lock %+v %v", lock, err)
	}
	v, err := e.svc.Verify(ctx, e.alfa, l.ID)
	if err != nil || !v.OK {
		t.Fatalf("verify: %+v %v", v, err)
	}
	// A fixity audit afterwards is clean: disposed is not missing, and
	// gallring's own records are no orphans.
	targets, found, err := audit.Plan(ctx, audit.Options{Tenants: []*tenant.Tenant{e.alfa}, Place: placement.Fixed{Store: e.prim, Second: e.repl}})
	if err != nil {
		t.Fatal(err)
	}
	var sum audit.Summary
	for _, f := range found {
		sum.Add(f)
	}
	var mu sync.Mutex // OnResult is called from every worker
	if err := audit.Check(ctx, audit.Options{Workers: 4, OnResult: func(f audit.Finding) {
		mu.Lock()
		defer mu.Unlock()
		sum.Add(f)
		if f.Bad() {
			found = append(found, f)
		}
	}}, targets); err != nil {
		t.Fatal(err)
	}
	if sum.Failed() {
		t.Fatalf("audit after gallring: %+v\n%+v", sum, found)
	}

	// Reindex brings nothing back.
	fresh, err := catalog.Open(ctx, filepath.Join(t.TempDir(), "rebuilt.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if _, err := fresh.RebuildFrom(ctx, "alfa", e.prim, e.alfa.Bucket); err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.RebuildRetention(ctx, "alfa", e.nats.Service(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.Manifest(ctx, "alfa", gone.AIPID); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("reindex brought a disposed AIP back: %v", err)
	}
	if r, _ := fresh.Retention(ctx, "alfa", gone.AIPID); len(r) != 6 || r[0].Outcome.Outcome != catalog.Gallrad {
		t.Fatalf("reindexed tombstones: %+v", r)
	}
	if m, err := fresh.Manifest(ctx, "alfa", partial.AIPID); err != nil || m.Revision != 2 {
		t.Fatalf("reindexed partial AIP: %+v %v", m, err)
	}

	// Verify notices what should not be there.
	body := []byte("tillbaka")
	if _, err := e.repl.Put(ctx, e.alfa.Bucket, gone.Objects[0].Key, strings.NewReader(string(body)), storage.PutOptions{Size: int64(len(body))}); err != nil {
		t.Fatal(err)
	}
	if v, err := e.svc.Verify(ctx, e.alfa, l.ID); err != nil || v.OK {
		t.Fatalf("verify with a disposed object back in the replica: %+v %v", v, err)
	}
}

// executorArg is what the executor child needs.
type executorArg struct {
	NATSURL, User, Password string
	Tenants, Catalog        string
	Primary, Replica        storage.Config
	List                    string
}

// executorRole runs the executor on a list and kills itself with SIGKILL
// right after the first AIP's versions are deleted.
func executorRole(ctx context.Context, arg string) error {
	var a executorArg
	if err := json.Unmarshal([]byte(arg), &a); err != nil {
		return err
	}
	reg, err := tenant.Load(a.Tenants)
	if err != nil {
		return err
	}
	q, err := queue.Connect(ctx, queue.ConnectOptions{URL: a.NATSURL, User: a.User, Password: a.Password, Name: "executor-child"})
	if err != nil {
		return err
	}
	cat, err := catalog.Open(ctx, a.Catalog)
	if err != nil {
		return err
	}
	p, err := storage.New(a.Primary)
	if err != nil {
		return err
	}
	r, err := storage.New(a.Replica)
	if err != nil {
		return err
	}
	ps := &plans.Store{KV: q.Retention, Events: q, Now: time.Now}
	svc := disposal.New(disposal.Config{KV: q.Retention, Events: q, Catalog: cat, Place: placement.Fixed{Store: p, Second: r}, Plans: ps,
		Holds: &holds.Store{KV: q.Retention, Events: q, Now: time.Now}, Version: "test",
		Hook: func(stage, _ string) {
			if stage == "deleted" {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
			}
		}})
	t, err := reg.Get("alfa")
	if err != nil {
		return err
	}
	_, err = svc.Run(ctx, t, a.List)
	return err
}

// TestExecutorKilled: an executor SIGKILLed after deleting an AIP's
// versions, before recording it, is rerun and finishes the list, with a
// complete protocol; while it runs, the primary store goes down for a
// while and the executor retries until it is back.
func TestExecutorKilled(t *testing.T) {
	e := newEnv(t, testenv.Versity)
	ctx := e.ctx
	e.activate(plan)
	var ms []*aip.Manifest
	for range 3 {
		ms = append(ms, e.deliver("2.3.1", "Ansökan", "2015-01-01", 1))
	}
	l, err := e.svc.Propose(ctx, e.alfa, "arkivarie", disposal.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Attest(ctx, e.alfa, l.ID, "ansvarig"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Start(ctx, e.alfa, l.ID, "ansvarig"); err != nil {
		t.Fatal(err)
	}
	arg, _ := json.Marshal(executorArg{NATSURL: e.nats.URL, User: e.nats.Cfg.ServiceUser, Password: e.nats.Cfg.ServicePassword,
		Tenants: e.tenantsYA, Catalog: e.catFile, Primary: e.primary.Cfg, Replica: e.replica.Cfg, List: l.ID})
	child := testenv.StartChild(t, "executor", string(arg))
	select {
	case <-child.Done():
	case <-time.After(2 * time.Minute):
		t.Fatal("the executor child did not stop")
	}
	var ee *exec.ExitError
	if err := child.Stop(); !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the child ended with %v, want SIGKILL:\n%s", err, child.Output())
	}
	mid, err := e.svc.Get(ctx, e.alfa, l.ID)
	if err != nil || len(mid.Done) != 0 || mid.State != disposal.Executing {
		t.Fatalf("after the kill: %+v %v", mid, err)
	}

	// Rerun, with the primary store down for a few seconds.
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		e.primary.Stop()
		time.Sleep(3 * time.Second)
		e.primary.Start()
	}()
	// The rerun lists each AIP's versions, the path of a bucket far
	// larger than its list.
	q := e.nats.Service(t)
	e.svc = disposal.New(disposal.Config{KV: q.Retention, Events: q, Catalog: e.cat, Place: placement.Fixed{Store: e.prim, Second: e.repl},
		Plans: e.plans, Holds: &holds.Store{KV: q.Retention, Events: q, Now: time.Now}, Version: "test", ListEachAIP: true})
	done, err := e.svc.Run(ctx, e.alfa, l.ID)
	<-stopped
	if err != nil {
		t.Fatal(err)
	}
	if done.State != disposal.Done || len(done.Done) != 3 {
		t.Fatalf("rerun: %+v", done)
	}
	// The AIP the killed run had deleted counts what it found then: the
	// protocol gives the same versions for all three alike AIPs.
	for _, d := range done.Done {
		if d.Versions == 0 || d.Versions != done.Done[0].Versions {
			t.Fatalf("versions disposed of per AIP: %+v", done.Done)
		}
	}
	for _, m := range ms {
		for _, st := range []*storage.Store{e.prim, e.repl} {
			if left := e.versions(st, m.AIPID); len(left) > 0 {
				t.Fatalf("%s: left of %s: %v", st.Endpoint(), m.AIPID, left)
			}
		}
	}
	pj, err := e.svc.ProtocolFile(ctx, e.alfa, done, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if !strings.Contains(string(pj), m.Cases[0].ID) || !strings.Contains(string(pj), m.AIPID) {
			t.Errorf("protocol lacks %s", m.AIPID)
		}
	}
	if v, err := e.svc.Verify(ctx, e.alfa, l.ID); err != nil || !v.OK {
		t.Fatalf("verify: %+v %v", v, err)
	}
}

// TestGauges: the runner sets the gallring gauges per tenant.
func TestGauges(t *testing.T) {
	e := newEnv(t, testenv.Versity)
	e.activate(plan)
	e.deliver("2.3.1", "Ansökan", "2015-01-01", 1)
	e.deliver("2.4", "Ansökan", "2015-01-01", 1)
	if _, err := e.svc.Propose(e.ctx, e.alfa, "arkivarie", disposal.Filter{Class: "2.4"}); err != nil {
		t.Fatal(err)
	}
	e.alfa.CoolingOff = "7d"
	l, err := e.svc.Propose(e.ctx, e.alfa, "arkivarie", disposal.Filter{Class: "2.3.1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Attest(e.ctx, e.alfa, l.ID, "ansvarig"); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m := disposal.NewMetrics(reg)
	r := disposal.NewRunner(e.svc, func() *tenant.Registry { return &tenant.Registry{Tenants: []*tenant.Tenant{e.alfa}} }, m)
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() { cancel(); <-done }()
	testenv.Eventually(t, 30*time.Second, func() error {
		got := []float64{testutil.ToFloat64(m.Due.WithLabelValues("alfa")), testutil.ToFloat64(m.Overdue.WithLabelValues("alfa")),
			testutil.ToFloat64(m.AwaitingAttest.WithLabelValues("alfa")), testutil.ToFloat64(m.CoolingOff.WithLabelValues("alfa"))}
		if want := []float64{6, 6, 1, 1}; !slices.Equal(got, want) {
			return fmt.Errorf("due, overdue, awaiting attest, cooling off = %v, want %v", got, want)
		}
		return nil
	})
}

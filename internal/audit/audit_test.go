package audit_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/audit"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

// putAIP stores a small complete AIP (files, then manifest) in st/bucket.
func putAIP(t *testing.T, st *storage.Store, tn *tenant.Tenant, bucket, pkg string, files map[string]string) *aip.Manifest {
	t.Helper()
	ctx := context.Background()
	id := aip.ID(tn.ID, pkg)
	lock := earkiv.Lock{Mode: "GOVERNANCE", RetainUntil: time.Now().Add(24 * time.Hour).Truncate(time.Second)}
	m := &aip.Manifest{Format: aip.ManifestFormat, Tenant: tn.ID, Bucket: bucket, AIPID: id, PackageID: pkg, SubmissionID: "s-" + pkg,
		Created: time.Now().UTC(), Retention: earkiv.Lock{Mode: lock.Mode, RetainUntil: lock.RetainUntil}}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		body := []byte(files[n])
		sum := sha256.Sum256(body)
		key := aip.SubmissionKey(id, n)
		if _, err := st.Put(ctx, bucket, key, bytes.NewReader(body), storage.PutOptions{Size: int64(len(body)), SHA256: sum[:], Lock: lock}); err != nil {
			t.Fatal(err)
		}
		m.Objects = append(m.Objects, aip.Object{Key: key, Path: "submission/" + n, Role: aip.RoleSubmission, Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:])})
		m.Files++
	}
	b, _ := m.Encode()
	sum := sha256.Sum256(b)
	if _, err := st.Put(ctx, bucket, aip.ManifestKey(id), bytes.NewReader(b), storage.PutOptions{Size: int64(len(b)), SHA256: sum[:], Lock: lock}); err != nil {
		t.Fatal(err)
	}
	return m
}

// buckets places a tenant's primary and replica where a test put them.
type buckets struct{ primary, replica placement.Bucket }

func (b buckets) Primary(*tenant.Tenant) (placement.Bucket, error) { return b.primary, nil }
func (b buckets) Replica(*tenant.Tenant) (placement.Bucket, bool, error) {
	return b.replica, b.replica.Store != nil, nil
}

// verified records what a job tells the catalog.
type verified struct {
	mu  sync.Mutex
	set map[string]string // key: outcome
}

func (v *verified) SetVerified(_ context.Context, _, key string, _ time.Time, outcome, _ string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.set[key] = outcome
	return nil
}

func (v *verified) LastVerified(context.Context, string) (map[string]time.Time, error) {
	return nil, nil
}

func outcomes(fs []audit.Finding) string {
	var out []string
	for _, f := range fs {
		if f.Bad() {
			out = append(out, f.Outcome+" "+f.Key[strings.Index(f.Key, "/")+1:])
		}
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

// TestAuditFindsDamageAndRepairs damages a bucket behind earkiv's back, as
// another S3 client and on the gateway's disk, and checks that the audit
// reports exactly that damage, and that repair restores from the replica.
func TestAuditFindsDamageAndRepairs(t *testing.T) {
	ctx := context.Background()
	primary := testenv.Versity(t)
	replica := testenv.Versity(t)
	pst, rst := primary.Store(t), replica.Store(t)
	pw := map[string]string{}
	tn := testenv.Tenant(t, "alfa", "2120000001", pw)
	for _, c := range []struct {
		st     *storage.Store
		bucket string
	}{{pst, tn.Bucket}, {rst, "replica-alfa"}} {
		if err := c.st.EnsureBucket(ctx, c.bucket); err != nil {
			t.Fatal(err)
		}
	}
	files1 := map[string]string{"METS.xml": "<mets/>", "data/a.txt": "alpha", "data/b.txt": "beta"}
	files2 := map[string]string{"mets.xml": "<mets2/>", "content/c.txt": "gamma", "content/d.txt": "delta"}
	m1 := putAIP(t, pst, tn, tn.Bucket, "pkg-1", files1)
	m2 := putAIP(t, pst, tn, tn.Bucket, "pkg-2", files2)
	putAIP(t, rst, tn, "replica-alfa", "pkg-1", files1)
	putAIP(t, rst, tn, "replica-alfa", "pkg-2", files2)

	place := buckets{primary: placement.Bucket{Store: pst, Name: tn.Bucket}, replica: placement.Bucket{Store: rst, Name: "replica-alfa"}}
	opts := audit.Options{Tenants: []*tenant.Tenant{tn}, Place: place, Workers: 3}
	dir := filepath.Join(t.TempDir(), "audits")
	run := func(o audit.Options) *audit.Result {
		t.Helper()
		r, err := audit.NewRun(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		j := &audit.Job{Options: o, Run: r, Version: "test"}
		res, err := j.Execute(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := run(opts); res.Summary.Failed() || res.Summary.OK != 8 || !res.Complete {
		t.Fatalf("clean bucket: %+v %s", res.Summary, outcomes(res.Bad))
	}

	// Damage: overwrite one object as another S3 client (a new version),
	// delete one, flip bytes of one on the gateway's disk, add an orphan.
	if _, err := pst.Put(ctx, tn.Bucket, aip.SubmissionKey(m1.AIPID, "data/a.txt"), strings.NewReader("ALPHA"), storage.PutOptions{Size: 5}); err != nil {
		t.Fatal(err)
	}
	if err := pst.Remove(ctx, tn.Bucket, aip.SubmissionKey(m1.AIPID, "data/b.txt")); err != nil {
		t.Fatal(err)
	}
	onDisk := filepath.Join(primary.Dir, "buckets", tn.Bucket, filepath.FromSlash(aip.SubmissionKey(m2.AIPID, "content/c.txt")))
	if err := os.WriteFile(onDisk, []byte("gamma, rotted"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := pst.Put(ctx, tn.Bucket, "stray/file.bin", strings.NewReader("x"), storage.PutOptions{Size: 1}); err != nil {
		t.Fatal(err)
	}
	res := run(opts)
	want := fmt.Sprintf("mismatch submission/content/c.txt; mismatch submission/data/a.txt; missing submission/data/b.txt; orphan %s", "file.bin")
	if got := outcomes(res.Bad); got != want {
		t.Fatalf("audit found\n  %s\nwant\n  %s", got, want)
	}
	if !res.Summary.Failed() || res.Summary.OK != 5 || res.Logs != 2 {
		t.Fatalf("summary %+v, %d event logs", res.Summary, res.Logs)
	}
	// Each AIP got a PREMIS event log with the outcomes.
	rc, _, err := pst.Get(ctx, tn.Bucket, aip.EventLogKey(m1.AIPID, "fixity", res.RunID))
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	log.ReadFrom(rc)
	rc.Close()
	if !strings.Contains(log.String(), "<premis:eventOutcome>failure</premis:eventOutcome>") || !strings.Contains(log.String(), "submission/data/a.txt") {
		t.Fatalf("event log:\n%s", log.String())
	}
	// Sampling and one AIP only narrow the check.
	if r := run(audit.Options{Tenants: opts.Tenants, Place: opts.Place, AIP: m2.AIPID}); outcomes(r.Bad) != "mismatch submission/content/c.txt" {
		t.Fatalf("--aip: %s", outcomes(r.Bad))
	}

	// Repair from the replica fixes the mismatched and missing objects of
	// the damaged run, and records it in the catalog, the AIPs' event logs
	// and one event for the tenant.
	cat := &verified{set: map[string]string{}}
	var events []earkiv.Event
	rj := &audit.RepairJob{Dir: dir, RunID: res.RunID, Place: place, Lookup: func(string) (*tenant.Tenant, error) { return tn, nil },
		Verified: cat, Version: "test", Publish: func(_ context.Context, e earkiv.Event) error { events = append(events, e); return nil }}
	rr, err := rj.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rr.Findings {
		if f.Outcome != audit.Repaired {
			t.Errorf("%s: %s %s", f.Key, f.Outcome, f.Detail)
		}
	}
	if len(rr.Findings) != 3 || rr.Repaired != 3 || rr.Failed != 0 || rr.RunID != res.RunID || len(cat.set) != 3 {
		t.Fatalf("repair: %d findings, %d repaired, %d failed, run %s, catalog %v", len(rr.Findings), rr.Repaired, rr.Failed, rr.RunID, cat.set)
	}
	if len(events) != 1 || events[0].Type != earkiv.FixityRepair || events[0].Outcome != earkiv.Success || events[0].Tenant != "alfa" {
		t.Fatalf("repair events: %+v", events)
	}
	if _, err := pst.Stat(ctx, tn.Bucket, aip.EventLogKey(m1.AIPID, "repair", rr.RepairID)); err != nil {
		t.Fatalf("repair event log: %v", err)
	}
	if got := outcomes(run(opts).Bad); got != "orphan file.bin" {
		t.Fatalf("after repair: %s", got)
	}
}

// TestRepairRefusesBadReplica: when the replica's copy is damaged too, the
// primary is not overwritten with it.
func TestRepairRefusesBadReplica(t *testing.T) {
	ctx := context.Background()
	srv := testenv.Versity(t)
	st := srv.Store(t)
	pw := map[string]string{}
	tn := testenv.Tenant(t, "alfa", "2120000001", pw)
	st.EnsureBucket(ctx, tn.Bucket)
	st.EnsureBucket(ctx, "replica-alfa")
	files := map[string]string{"METS.xml": "<mets/>"}
	m := putAIP(t, st, tn, tn.Bucket, "p", files)
	putAIP(t, st, tn, "replica-alfa", "p", map[string]string{"METS.xml": "<mets>damaged</mets>"})
	key := aip.SubmissionKey(m.AIPID, "METS.xml")
	st.Put(ctx, tn.Bucket, key, strings.NewReader("zzz"), storage.PutOptions{Size: 3})
	bad := []audit.Finding{{Tenant: "alfa", AIPID: m.AIPID, Key: key, Outcome: audit.Mismatch, Expected: m.Objects[0].SHA256, Size: m.Objects[0].Size}}
	place := buckets{primary: placement.Bucket{Store: st, Name: tn.Bucket}, replica: placement.Bucket{Store: st, Name: "replica-alfa"}}
	fixed, err := audit.Repair(ctx, place, func(string) (*tenant.Tenant, error) { return tn, nil }, bad, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if len(fixed) != 1 || fixed[0].Outcome != audit.Unrepairable {
		t.Fatalf("%+v", fixed)
	}
	in, _ := st.Stat(ctx, tn.Bucket, key)
	if in.Size != 3 {
		t.Fatal("the primary was overwritten with a bad replica copy")
	}
}

// TestRunResume: a run's state file lets an interrupted audit skip what it
// already checked, and survives a torn last line.
func TestRunResume(t *testing.T) {
	dir := t.TempDir()
	r, err := audit.NewRun(dir, map[string]string{"tenant": "alfa"})
	if err != nil {
		t.Fatal(err)
	}
	r.Record(audit.Finding{Tenant: "alfa", Key: "a", Outcome: audit.OK})
	r.Record(audit.Finding{Tenant: "alfa", Key: "b", Outcome: audit.Mismatch})
	r.Close(false)
	f, _ := os.OpenFile(r.Path(), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"tenant":"alfa","key":"c","outc`)
	f.Close()
	again, err := audit.OpenRun(dir, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Done("alfa", "a") || !again.Done("alfa", "b") || again.Done("alfa", "c") || again.Finished != nil {
		t.Fatalf("resume state wrong: %v", again.Findings())
	}
	again.Record(audit.Finding{Tenant: "alfa", Key: "c", Outcome: audit.OK})
	again.Close(true)
	last, _ := audit.LatestRun(dir)
	done, _ := audit.OpenRun(dir, last)
	if len(done.Findings()) != 3 || done.Finished == nil {
		t.Fatalf("%d findings, finished %v", len(done.Findings()), done.Finished)
	}
}

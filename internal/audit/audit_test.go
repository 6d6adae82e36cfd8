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
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/audit"
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
	lock := storage.Lock{Mode: "GOVERNANCE", RetainUntil: time.Now().Add(24 * time.Hour).Truncate(time.Second)}
	m := &aip.Manifest{Format: aip.ManifestFormat, Tenant: tn.ID, Bucket: bucket, AIPID: id, PackageID: pkg, SubmissionID: "s-" + pkg,
		Created: time.Now().UTC(), Retention: aip.Retention{Mode: lock.Mode, RetainUntil: lock.RetainUntil}}
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

	opts := audit.Options{Tenants: []*tenant.Tenant{tn}, Store: func(*tenant.Tenant) (*storage.Store, error) { return pst, nil }, Workers: 3}
	run := func(o audit.Options) *audit.Result {
		t.Helper()
		r, err := audit.NewRun(filepath.Join(t.TempDir(), "audits"), nil)
		if err != nil {
			t.Fatal(err)
		}
		j := &audit.Job{Options: o, Run: r, Version: "test",
			Locate: func(string) (*storage.Store, string, error) { return pst, tn.Bucket, nil }}
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
	if r := run(audit.Options{Tenants: opts.Tenants, Store: opts.Store, AIP: m2.AIPID}); outcomes(r.Bad) != "mismatch submission/content/c.txt" {
		t.Fatalf("--aip: %s", outcomes(r.Bad))
	}

	// Repair from the replica fixes the mismatched and missing objects.
	fixed, err := audit.Repair(ctx, func(string) (*storage.Store, string, error) { return pst, tn.Bucket, nil },
		func(string) (*storage.Store, string, error) { return rst, "replica-alfa", nil }, res.Bad, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fixed {
		if f.Outcome != audit.Repaired {
			t.Errorf("%s: %s %s", f.Key, f.Outcome, f.Detail)
		}
	}
	if len(fixed) != 3 {
		t.Fatalf("%d repairs, want 3", len(fixed))
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
	fixed, err := audit.Repair(ctx, func(string) (*storage.Store, string, error) { return st, tn.Bucket, nil },
		func(string) (*storage.Store, string, error) { return st, "replica-alfa", nil }, bad, time.Now)
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

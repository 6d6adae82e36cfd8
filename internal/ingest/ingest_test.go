package ingest_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/fgs"
	"github.com/earkiv/earkiv/internal/ingest"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/samplegen"
	"github.com/earkiv/earkiv/internal/testenv"
)

// TestIngestSamples sends the committed samples through the whole pipeline
// and checks receipts, stored objects, checksums, Object Lock and catalog.
func TestIngestSamples(t *testing.T) {
	for _, s3 := range testenv.Backends(t) {
		e := newEnvOn(t, s3)
		t.Run(e.s3.Name, func(t *testing.T) { e.t = t; testIngestSamples(t, e) })
	}
}

func testIngestSamples(t *testing.T, e *env) {
	e.startWorker()
	ctx := context.Background()
	cases := []struct {
		tenant, name string
		status       earkiv.Status
		rule         string
	}{
		{"alfa", "fgs1-valid-arenden", earkiv.Accepted, ""},
		{"alfa", "eark-valid-erms", earkiv.Accepted, ""},
		{"alfa", "eark-valid-zip.zip", earkiv.Accepted, ""},
		{"beta", "fgs1-valid-md5.tar", earkiv.Accepted, ""}, // Sjöstad's package, beta's org number
		{"alfa", "fgs1-valid-md5.tar", earkiv.Rejected, ""}, // addressed to another archive authority
		{"alfa", "eark-bad-checksum", earkiv.Rejected, "CSIP71"},
		{"alfa", "fgs1-missing-file", earkiv.Rejected, "FGS1-FILE-MISSING"},
		{"alfa", "eark-zip-slip.zip", earkiv.Rejected, "PKG-PATH"},
		{"alfa", "fgs1-symlink.tar", earkiv.Rejected, "PKG-LINK"},
	}
	ids := make([]string, len(cases))
	for i, c := range cases {
		ids[i] = e.submit(c.tenant, sample(t, c.name))
	}
	accepted := map[string]int{}
	for i, c := range cases {
		r := e.receipt(c.tenant, ids[i], 60*time.Second)
		if r.Status != c.status {
			t.Errorf("%s for %s: status %s (%s), want %s", c.name, c.tenant, r.Status, r.Reason, c.status)
			continue
		}
		if c.rule != "" && (r.Report == nil || !slices.Contains(r.Report.RuleIDs("MUST"), c.rule)) {
			t.Errorf("%s: rejected without rule %s: %s", c.name, c.rule, r.Reason)
		}
		if c.status == earkiv.Rejected && c.rule == "" && !strings.Contains(r.Reason, "not to alfa kommun") {
			t.Errorf("%s: reason %q does not name the archivist conflict", c.name, r.Reason)
		}
		if r.Status != earkiv.Accepted {
			continue
		}
		accepted[c.tenant]++
		checkAIP(t, e, c.tenant, r)
	}
	// Rejected packages left nothing behind; every AIP is complete.
	for tn, n := range accepted {
		prefixes := e.aipPrefixes(e.tenant(tn).Bucket)
		if len(prefixes) != n {
			t.Errorf("%s's bucket holds %d AIP folders, want %d", tn, len(prefixes), n)
		}
		for id, complete := range prefixes {
			if !complete {
				t.Errorf("%s: AIP %s has no manifest", tn, id)
			}
		}
	}
	aips := e.waitCatalog("alfa", 3)
	e.waitCatalog("beta", 1)
	for _, a := range aips {
		if a.Tenant != "alfa" {
			t.Fatalf("catalog row of another tenant: %+v", a)
		}
	}
	cases2, err := e.cat.Cases(ctx, "alfa")
	if err != nil {
		t.Fatal(err)
	}
	// 3 ärenden in fgs1-valid-arenden, 2 in eark-valid-erms, 1 in eark-valid-zip.
	if len(cases2) != 6 {
		t.Errorf("catalog has %d cases of alfa, want 6: %+v", len(cases2), cases2)
	}

	// reindex: the catalog rebuilt from the bucket alone has the same rows.
	before, _ := e.cat.Dump(ctx, "alfa")
	n, err := e.cat.Rebuild(ctx, "alfa", aipstore.Manifests(ctx, e.store, e.tenant("alfa").Bucket))
	if err != nil || n != 3 {
		t.Fatalf("rebuild: %d AIPs, %v", n, err)
	}
	after, _ := e.cat.Dump(ctx, "alfa")
	if strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Fatalf("rebuilt catalog differs:\n%s\n---\n%s", strings.Join(before, "\n"), strings.Join(after, "\n"))
	}
}

// checkAIP reads back every object of an accepted package's AIP.
func checkAIP(t *testing.T, e *env, tenantID string, r *earkiv.Receipt) {
	t.Helper()
	ctx := context.Background()
	tn := e.tenant(tenantID)
	m, err := aipstore.ReadManifest(ctx, e.store, tn.Bucket, r.AIPID)
	if err != nil {
		t.Fatalf("%s: manifest: %v", r.PackageID, err)
	}
	if m.PackageID != r.PackageID || m.SubmissionID != r.SubmissionID || m.Files != len(r.Checksums) || r.Files != m.Files {
		t.Errorf("manifest %+v does not match receipt %+v", m, r)
	}
	sums := map[string]string{}
	for _, c := range r.Checksums {
		sums["submission/"+c.Path] = c.SHA256
	}
	roles := map[string]int{}
	for _, o := range m.Objects {
		roles[o.Role]++
		in, err := e.store.Stat(ctx, tn.Bucket, o.Key)
		if err != nil {
			t.Errorf("%s: %v", o.Key, err)
			continue
		}
		if in.SHA256 != o.SHA256 || in.Size != o.Size {
			t.Errorf("%s: stored %s/%d, manifest %s/%d", o.Key, in.SHA256, in.Size, o.SHA256, o.Size)
		}
		if o.Role == aip.RoleSubmission && sums[o.Path] != o.SHA256 {
			t.Errorf("%s: receipt checksum %s, manifest %s", o.Path, sums[o.Path], o.SHA256)
		}
		// Object Lock, read as an auditor would.
		lock, err := e.store.Retention(ctx, tn.Bucket, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		if tn.Retention.Forever() {
			if !lock.LegalHold {
				t.Errorf("%s: no legal hold on a keep-forever object", o.Key)
			}
		} else {
			want := time.Now().AddDate(10, 0, 0)
			if lock.Mode != "GOVERNANCE" || lock.RetainUntil.Before(want.Add(-time.Hour)) || lock.RetainUntil.After(want.Add(time.Hour)) {
				t.Errorf("%s: lock %+v, want GOVERNANCE until about %v", o.Key, lock, want)
			}
		}
	}
	if roles[aip.RoleSubmission] != m.Files || roles[aip.RolePREMIS] != 1 || roles[aip.RoleMETS] != 1 {
		t.Errorf("objects by role %v", roles)
	}
	// The submitted METS is kept byte for byte.
	for _, name := range []string{"METS.xml", "mets.xml"} {
		if _, ok := sums["submission/"+name]; ok {
			rc, _, err := e.store.Get(ctx, tn.Bucket, aip.SubmissionKey(r.AIPID, name))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			if !strings.Contains(string(b), "mets") {
				t.Errorf("original METS not stored")
			}
		}
	}
	if _, err := e.store.Stat(ctx, tn.Bucket, aip.METSKey(r.AIPID)); err != nil {
		t.Errorf("AIP METS: %v", err)
	}
	// Nothing else in the AIP's folder: one version per object, the one the
	// manifest lists (no copy left by an interrupted or rejected attempt).
	listed := map[string]string{}
	for _, o := range m.Objects {
		listed[o.Key] = o.VersionID
	}
	seen := map[string]int{}
	for v, err := range e.store.Versions(ctx, tn.Bucket, r.AIPID+"/") {
		if err != nil {
			t.Fatal(err)
		}
		seen[v.Key]++
		if want, ok := listed[v.Key]; ok && v.VersionID != want {
			t.Errorf("%s: version %s stored, manifest lists %s", v.Key, v.VersionID, want)
		} else if !ok && v.Key != aip.ManifestKey(r.AIPID) {
			t.Errorf("%s: stored, not in the manifest", v.Key)
		}
	}
	for key, n := range seen {
		if n != 1 {
			t.Errorf("%s: %d versions, want 1", key, n)
		}
	}
	if len(seen) != len(listed)+1 {
		t.Errorf("%d objects in the AIP folder, manifest lists %d and itself", len(seen), len(listed))
	}
}

// TestDuplicateAndConflict: the same package twice gives one AIP and a
// duplicate receipt; different content under the same package id is
// rejected, naming the files that differ.
func TestDuplicateAndConflict(t *testing.T) {
	e := newEnv(t)
	e.startWorker()
	ctx := context.Background()
	dir := t.TempDir()
	one, err := samplegen.Generate(ctx, filepath.Join(dir, "1"), samplegen.Spec{Family: fgs.FamilyEARK, ID: "KS-2025-17", Cases: 1, Files: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	two, err := samplegen.Generate(ctx, filepath.Join(dir, "2"), samplegen.Spec{Family: fgs.FamilyEARK, ID: "KS-2025-17", Cases: 1, Files: 2, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	first := e.receipt("alfa", e.submit("alfa", one), time.Minute)
	if first.Status != earkiv.Accepted {
		t.Fatalf("first: %s %s", first.Status, first.Reason)
	}
	again := e.receipt("alfa", e.submit("alfa", one), time.Minute)
	if again.Status != earkiv.Duplicate || again.AIPID != first.AIPID || !again.OK() {
		t.Fatalf("resubmission: %s %s (AIP %s, first %s)", again.Status, again.Reason, again.AIPID, first.AIPID)
	}
	conflict := e.receipt("alfa", e.submit("alfa", two), time.Minute)
	if conflict.Status != earkiv.Rejected || !strings.Contains(conflict.Reason, "conflict") || !strings.Contains(conflict.Reason, "different content") {
		t.Fatalf("conflict: %s %s", conflict.Status, conflict.Reason)
	}
	if n := len(e.aipPrefixes(e.tenant("alfa").Bucket)); n != 1 {
		t.Fatalf("%d AIPs stored, want 1", n)
	}
	// The same package id at another municipality is that municipality's own AIP.
	three, err := samplegen.Generate(ctx, filepath.Join(dir, "3"), samplegen.Spec{Family: fgs.FamilyEARK, ID: "KS-2025-17", Cases: 1, Files: 2, Seed: 1,
		OrgName: "Sjöstad kommun", OrgID: "2120000019"})
	if err != nil {
		t.Fatal(err)
	}
	other := e.receipt("beta", e.submit("beta", three), time.Minute)
	if other.Status != earkiv.Accepted || other.AIPID == first.AIPID {
		t.Fatalf("beta: %s %s, AIP %s (alfa's %s)", other.Status, other.Reason, other.AIPID, first.AIPID)
	}
	// By package id, the receipt that archived the package is found (later
	// duplicates and conflicts do not hide it), and the package store is emptied.
	prod := e.nats.Producer(t, e.tenant("alfa"))
	byPkg, err := prod.Receipt(ctx, "alfa", "KS-2025-17")
	if err != nil || byPkg.SubmissionID != first.SubmissionID {
		t.Fatalf("receipt by package id: %+v %v", byPkg, err)
	}
	obs, _ := e.svc.JetStream().ObjectStore(ctx, queue.PackageStore("alfa"))
	lister, _ := obs.List(ctx)
	if len(lister) != 0 {
		t.Fatalf("%d packages left in the package store after receipts", len(lister))
	}
}

// TestProducerCannotReadOtherReceipts: with real receipts in place, alfa's
// producer cannot see beta's.
func TestProducerCannotReadOtherReceipts(t *testing.T) {
	e := newEnv(t)
	e.startWorker()
	id := e.submit("beta", sample(t, "fgs1-valid-md5.tar"))
	if r := e.receipt("beta", id, time.Minute); r.Status != earkiv.Accepted {
		t.Fatalf("beta: %s %s", r.Status, r.Reason)
	}
	prodA := e.nats.Producer(t, e.tenant("alfa"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := prodA.JetStream().KeyValue(ctx, queue.ReceiptBucket("beta")); err == nil {
		t.Fatal("alfa opened beta's receipts")
	}
	if _, err := prodA.Receipt(ctx, "alfa", id); err == nil {
		t.Fatal("beta's submission id found among alfa's receipts")
	}
}

// TestLargePackageStreams: a package bigger than the worker's memory budget
// would allow goes through (files are streamed, multipart in NATS and S3).
func TestLargePackageStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("large package")
	}
	e := newEnv(t)
	e.startWorker()
	p, err := samplegen.Generate(context.Background(), t.TempDir(), samplegen.Spec{Family: fgs.FamilyFGS1, Cases: 2, Files: 2, Size: 40 << 20, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	r := e.receipt("alfa", e.submit("alfa", p), 3*time.Minute)
	if r.Status != earkiv.Accepted || r.Bytes < 160<<20 {
		t.Fatalf("%s %s %d bytes", r.Status, r.Reason, r.Bytes)
	}
	checkAIP(t, e, "alfa", r)
	os.RemoveAll(p)
}

// TestReadPaths: a worker reads a package from memory, from a spool copy or
// streamed from the package store, by its size. A zip and a tar go through
// each way with the same verdict and digests (the second and third ways
// report duplicates of the first AIP, which only identical content can be),
// and no spool file is left behind.
func TestReadPaths(t *testing.T) {
	e := newEnv(t)
	ways := []struct {
		name        string
		memory, spl int64
	}{
		{"memory", 1 << 30, 1 << 30},
		{"spool", 1, 1 << 30},
		{"stream", 1, 1}, // a zip needs random access, so it is spooled
	}
	for i, w := range ways {
		stop := e.startWorker(func(c *ingest.Config) { c.MemoryBelow, c.SpoolBelow = w.memory, w.spl })
		for _, pkg := range []struct{ tenant, name string }{{"alfa", "eark-valid-zip.zip"}, {"beta", "fgs1-valid-md5.tar"}} {
			name := pkg.name
			r := e.receipt(pkg.tenant, e.submit(pkg.tenant, sample(t, name)), time.Minute)
			want := earkiv.Accepted
			if i > 0 {
				want = earkiv.Duplicate
			}
			if r.Status != want {
				t.Fatalf("%s, %s: %s (%s), want %s", w.name, name, r.Status, r.Reason, want)
			}
		}
		stop()
		if left, _ := os.ReadDir(e.spool); len(left) > 0 {
			t.Fatalf("%s: spool holds %d files after the ingests", w.name, len(left))
		}
	}
	// A new package streamed end to end: validation reads it once with the
	// package store's digest check, the store pass again without it (each
	// upload carries the file's SHA-256 instead), and every object is there.
	stop := e.startWorker(streamed)
	defer stop()
	r := e.receipt("alfa", e.submit("alfa", sample(t, "fgs1-valid-arenden")), time.Minute)
	if r.Status != earkiv.Accepted {
		t.Fatalf("streamed: %s (%s)", r.Status, r.Reason)
	}
	checkAIP(t, e, "alfa", r)
}

package ingest_test

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/fgs"
	"github.com/earkiv/earkiv/internal/fixity"
	"github.com/earkiv/earkiv/internal/ingest"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/samplegen"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
)

// TestStoreWhileValidating: a streamed package is stored while it is
// validated. An accepted one ends with exactly the AIP's versions, locked;
// a duplicate stores nothing; a rejected one (a file that does not match
// its declared checksum, or a package for another archive) leaves nothing
// in the bucket; a tar without its METS first is stored after validation.
// On every S3 implementation.
func TestStoreWhileValidating(t *testing.T) {
	for _, s3 := range testenv.Backends(t) {
		e := newEnvOn(t, s3)
		t.Run(e.s3.Name, func(t *testing.T) { e.t = t; testStoreWhileValidating(t, e) })
	}
}

func testStoreWhileValidating(t *testing.T, e *env) {
	var early, digestPasses atomic.Int64
	e.startWorker(streamed, func(c *ingest.Config) {
		c.Hook = func(stage, _ string) {
			switch stage {
			case "object-stored-early":
				early.Add(1)
			case "digest-pass":
				digestPasses.Add(1)
			}
		}
	})
	ctx := context.Background()
	dir := t.TempDir()
	gen := func(name string, spec samplegen.Spec) string {
		t.Helper()
		spec.ID, spec.Seed = name, uint64(len(name))
		p, err := samplegen.Generate(ctx, filepath.Join(dir, name), spec)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	bucket := e.tenant("alfa").Bucket
	versions := func(prefix string) int {
		t.Helper()
		n := 0
		for _, err := range e.store.Versions(ctx, bucket, prefix) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		return n
	}

	for _, fam := range []fgs.Family{fgs.FamilyFGS1, fgs.FamilyEARK} {
		early.Store(0)
		p := gen("early-"+string(fam), samplegen.Spec{Family: fam, Cases: 2, Files: 3, Size: 30000})
		r := e.receipt("alfa", e.submit("alfa", p), time.Minute)
		if r.Status != earkiv.Accepted {
			t.Fatalf("%s: %s %s", fam, r.Status, r.Reason)
		}
		if n := early.Load(); n != int64(r.Files) {
			t.Errorf("%s: %d of %d files stored while validating", fam, n, r.Files)
		}
		checkAIP(t, e, "alfa", r)
		if n := digestPasses.Load(); n != 0 {
			t.Errorf("%s: %d reads only for the package digest; the producer's sums and the METS vouch for every file", fam, n)
		}

		early.Store(0)
		before := versions(r.AIPID + "/")
		again := e.receipt("alfa", e.submit("alfa", p), time.Minute)
		if again.Status != earkiv.Duplicate || early.Load() != 0 || versions(r.AIPID+"/") != before {
			t.Errorf("%s again: %s, %d files stored while validating, %d versions (were %d)", fam, again.Status, early.Load(), versions(r.AIPID+"/"), before)
		}
	}

	if n := digestPasses.Load(); n != 0 {
		t.Errorf("%d reads only for the package digest for duplicates", n)
	}

	// MD5 checksums vouch for nothing: stored after validation, and the
	// package digest is checked by a read of its own.
	early.Store(0)
	md5 := gen("early-md5", samplegen.Spec{Family: fgs.FamilyEARK, Cases: 1, Files: 2, Size: 30000, Checksum: fixity.MD5})
	r := e.receipt("alfa", e.submit("alfa", md5), time.Minute)
	if r.Status != earkiv.Accepted || digestPasses.Load() != 1 {
		t.Fatalf("MD5: %s %s, %d digest reads", r.Status, r.Reason, digestPasses.Load())
	}
	checkAIP(t, e, "alfa", r)
	digestPasses.Store(0)

	// A file whose bytes differ from its declared checksum: the store refuses
	// it, the rest is stored, and all of it goes with the rejection.
	early.Store(0)
	bad := gen("early-bad", samplegen.Spec{Family: fgs.FamilyFGS1, Cases: 2, Files: 3, Size: 30000})
	flipLastContentFile(t, bad)
	r = e.receipt("alfa", e.submit("alfa", bad), time.Minute)
	if r.Status != earkiv.Rejected {
		t.Fatalf("changed file: %s %s", r.Status, r.Reason)
	}
	if early.Load() == 0 || digestPasses.Load() != 1 {
		t.Errorf("changed file: %d files stored while validating, %d digest reads (before blaming the producer)", early.Load(), digestPasses.Load())
	}
	if r.PackageID == "" {
		t.Fatal("rejection without the package id")
	}
	if n := versions(aip.ID("alfa", r.PackageID) + "/"); n != 0 {
		t.Errorf("%d versions left after the rejection", n)
	}

	// Addressed to another archive: nothing is stored at all.
	early.Store(0)
	other := gen("early-other", samplegen.Spec{Family: fgs.FamilyEARK, Cases: 1, Files: 2, OrgName: "Sjöstad kommun", OrgID: "2120000019"})
	r = e.receipt("alfa", e.submit("alfa", other), time.Minute)
	if r.Status != earkiv.Rejected || early.Load() != 0 || r.PackageID == "" {
		t.Errorf("other archive: %s (package %q), %d files stored while validating", r.Status, r.PackageID, early.Load())
	}
	if n := versions(aip.ID("alfa", r.PackageID) + "/"); n != 0 {
		t.Errorf("%d versions left for another archive's package", n)
	}

	// METS last: validated first, then stored.
	early.Store(0)
	last := gen("early-mets-last", samplegen.Spec{Family: fgs.FamilyFGS1, Cases: 1, Files: 2, Size: 30000})
	r = e.receipt("alfa", e.submit("alfa", tarMETSLast(t, last)), time.Minute)
	if r.Status != earkiv.Accepted || early.Load() != 0 {
		t.Fatalf("METS last: %s %s, %d files stored while validating", r.Status, r.Reason, early.Load())
	}
	checkAIP(t, e, "alfa", r)
}

// TestSweepAfterKill: a worker killed while storing a package as it
// validates it leaves unlocked files without a manifest; the redelivery,
// which here rejects the package (the municipality's organisation number
// changed in between), removes them.
func TestSweepAfterKill(t *testing.T) {
	e := newEnv(t)
	p, err := samplegen.Generate(context.Background(), t.TempDir(), samplegen.Spec{Family: fgs.FamilyFGS1, ID: "sweep", Cases: 2, Files: 3, Size: 30000, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	child := e.startWorkerChild("object-stored-early", 3, true)
	id := e.submit("alfa", p)
	waitOutput(t, child, "STOPPED-AT", time.Minute)
	child.Kill()
	bucket := e.tenant("alfa").Bucket
	prefix := aip.ID("alfa", "UUID:sweep") + "/"
	count := func() (n int) {
		for v, err := range e.store.Versions(context.Background(), bucket, prefix) {
			if err != nil {
				t.Fatal(err)
			}
			if v.Lock.LegalHold || !v.Lock.RetainUntil.IsZero() {
				t.Errorf("%s: locked before the package was accepted", v.Key)
			}
			n++
		}
		return n
	}
	if n := count(); n < 3 {
		t.Fatalf("%d versions after the kill, want at least 3", n)
	}

	moved := *e.tenant("alfa")
	moved.OrgNumber = "2120000027"
	reg := &tenant.Registry{}
	if err := reg.Add(&moved); err != nil {
		t.Fatal(err)
	}
	e.startWorker(streamed, func(c *ingest.Config) { c.Tenants = func() *tenant.Registry { return reg } })
	r := e.receipt("alfa", id, time.Minute)
	if r.Status != earkiv.Rejected || r.PackageID != "UUID:sweep" {
		t.Fatalf("after restart: %s %s (package %s)", r.Status, r.Reason, r.PackageID)
	}
	if n := count(); n != 0 {
		t.Fatalf("%d versions left after the redelivery's rejection", n)
	}
}

// contentFiles lists a package folder's content files (all but XML), in
// name order.
func contentFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".xml") {
			files = append(files, p)
		}
		return err
	})
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatal("no content file")
	}
	return files
}

// flipLastContentFile changes one byte of the package's last content file,
// keeping its size.
func flipLastContentFile(t *testing.T, dir string) {
	t.Helper()
	files := contentFiles(t, dir)
	b, err := os.ReadFile(files[len(files)-1])
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(files[len(files)-1], b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// tarMETSLast packs a package folder as a tar with its root METS last.
func tarMETSLast(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), filepath.Base(dir)+".tar")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	sort.SliceStable(files, func(i, j int) bool { return isRootMETS(dir, files[j]) && !isRootMETS(dir, files[i]) })
	if !isRootMETS(dir, files[len(files)-1]) {
		t.Fatal("no root METS")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(filepath.Dir(dir), p)
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(b)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

func isRootMETS(dir, p string) bool {
	return filepath.Dir(p) == dir && strings.EqualFold(filepath.Ext(p), ".xml") && strings.Contains(strings.ToLower(filepath.Base(p)), "mets") ||
		filepath.Dir(p) == dir && filepath.Base(p) == "sip.xml"
}

// TestChangedInPackageStore: bytes changed in the package store after the
// producer sent them are caught although a package (read into memory, or
// streamed) is read only once without its digest: a changed METS that still validates (the
// producer's sums disagree) and a changed content file (its declared
// checksum disagrees) each lead to a read that checks the digest, which
// fails the attempt; nothing is receipted and nothing stays in the bucket.
func TestChangedInPackageStore(t *testing.T) {
	type change struct {
		name   string
		mode   func(*ingest.Config)
		change func(chunk []byte, contentFile []byte) int // offset to flip, and the bit
	}
	var cases []change
	// Read into memory (the default for a small package), and streamed.
	for _, mode := range []struct {
		name string
		cfg  func(*ingest.Config)
	}{{"memory", func(*ingest.Config) {}}, {"streamed", streamed}} {
		cases = append(cases,
			change{mode.name + "/METS label", mode.cfg, func(b, _ []byte) int { return bytes.Index(b, []byte(`LABEL="Avslutade`)) + len(`LABEL="`) }},
			change{mode.name + "/content file", mode.cfg, func(b, content []byte) int { return bytes.Index(b, content[:200]) + 100 }})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			p, err := samplegen.Generate(ctx, t.TempDir(), samplegen.Spec{Family: fgs.FamilyFGS1, ID: "changed", Cases: 1, Files: 2, Size: 30000, Seed: 4})
			if err != nil {
				t.Fatal(err)
			}
			content := firstContentFile(t, p)
			id := e.submit("alfa", p)
			rewriteChunks(t, e, "alfa", id, func(b []byte) {
				at := c.change(b, content)
				if at < 100 {
					t.Fatalf("nothing to change found in the package")
				}
				b[at] ^= 0x20 // a letter's case: the METS stays valid
			})
			digestErr := make(chan string, 10)
			e.startWorker(c.mode, func(c *ingest.Config) {
				c.Hook = func(stage, detail string) {
					if stage == "digest-pass" {
						digestErr <- detail
					}
				}
			})
			select {
			case d := <-digestErr:
				if !strings.Contains(d, "digest") {
					t.Fatalf("digest read: %s", d)
				}
			case <-time.After(time.Minute):
				t.Fatal("no read checked the package digest")
			}
			if r, err := e.svc.Receipt(ctx, "alfa", id); err == nil {
				t.Fatalf("receipt %s (%s) for a package changed in the store", r.Status, r.Reason)
			}
			prefix := aip.ID("alfa", "UUID:changed") + "/"
			// A package read into memory is not stored before its verdict, and
			// its bucket may not exist yet.
			if err := e.store.EnsureBucket(ctx, e.tenant("alfa").Bucket); err != nil {
				t.Fatal(err)
			}
			testenv.Eventually(t, 10*time.Second, func() error {
				n := 0
				for _, err := range e.store.Versions(ctx, e.tenant("alfa").Bucket, prefix) {
					if err != nil {
						t.Fatal(err)
					}
					n++
				}
				if n > 0 {
					return fmt.Errorf("%d versions stay in the bucket", n)
				}
				return nil
			})
		})
	}
}

// rewriteChunks stores a submitted package's chunks again as change makes
// them (in place), as a fault in the package store would.
func rewriteChunks(t *testing.T, e *env, tenantID, object string, change func([]byte)) {
	t.Helper()
	ctx := context.Background()
	obs, err := e.svc.PackageStore(ctx, tenantID)
	if err != nil {
		t.Fatal(err)
	}
	info, err := obs.GetInfo(ctx, object)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := e.svc.JetStream().Stream(ctx, queue.PackageStoreStream(tenantID))
	if err != nil {
		t.Fatal(err)
	}
	subj := queue.PackageChunks(tenantID, info.NUID)
	var all []byte
	var sizes []int
	for seq := uint64(1); len(sizes) < int(info.Chunks); {
		m, err := stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subj))
		if err != nil {
			t.Fatal(err)
		}
		all, sizes, seq = append(all, m.Data...), append(sizes, len(m.Data)), m.Sequence+1
	}
	change(all)
	if err := stream.Purge(ctx, jetstream.WithPurgeSubject(subj)); err != nil {
		t.Fatal(err)
	}
	for _, n := range sizes {
		if _, err := e.svc.JetStream().Publish(ctx, subj, all[:n]); err != nil {
			t.Fatal(err)
		}
		all = all[n:]
	}
}

// firstContentFile returns the bytes of the package's first content file.
func firstContentFile(t *testing.T, dir string) []byte {
	t.Helper()
	b, err := os.ReadFile(contentFiles(t, dir)[0])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVouchInMemory: a small package, read into memory, is read without the
// package store's digest when the producer's sums and the METS vouch for
// every file; otherwise its digest is checked before the verdict, and the
// verdict is the same either way.
func TestVouchInMemory(t *testing.T) {
	e := newEnv(t)
	var digestChecks atomic.Int64
	e.startWorker(func(c *ingest.Config) {
		c.Hook = func(stage, _ string) {
			if stage == "digest-pass" {
				digestChecks.Add(1)
			}
		}
	})
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		spec   samplegen.Spec
		flip   bool // a content file no longer matches its checksum
		status earkiv.Status
		checks int64
	}{
		{"fgs1", samplegen.Spec{Family: fgs.FamilyFGS1, Cases: 2, Files: 3}, false, earkiv.Accepted, 0},
		{"eark", samplegen.Spec{Family: fgs.FamilyEARK, Cases: 2, Files: 3}, false, earkiv.Accepted, 0},
		{"md5", samplegen.Spec{Family: fgs.FamilyEARK, Cases: 1, Files: 2, Checksum: fixity.MD5}, false, earkiv.Accepted, 1},
		{"bad", samplegen.Spec{Family: fgs.FamilyFGS1, Cases: 1, Files: 2}, true, earkiv.Rejected, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.spec.ID, c.spec.Seed, c.spec.Size = "mem-"+c.name, 7, 20000
			p, err := samplegen.Generate(ctx, t.TempDir(), c.spec)
			if err != nil {
				t.Fatal(err)
			}
			if c.flip {
				flipLastContentFile(t, p)
			}
			digestChecks.Store(0)
			r := e.receipt("alfa", e.submit("alfa", p), time.Minute)
			if r.Status != c.status || digestChecks.Load() != c.checks {
				t.Fatalf("%s (%s), %d digest checks; want %s, %d", r.Status, r.Reason, digestChecks.Load(), c.status, c.checks)
			}
			if r.Status == earkiv.Accepted {
				checkAIP(t, e, "alfa", r)
			}
		})
	}
}

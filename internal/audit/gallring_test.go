package audit_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"path/filepath"
	"strings"
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

// put stores body at key, with its digest.
func put(t *testing.T, st *storage.Store, bucket, key string, body []byte) {
	t.Helper()
	sum := sha256.Sum256(body)
	if _, err := st.Put(context.Background(), bucket, key, bytes.NewReader(body), storage.PutOptions{Size: int64(len(body)), SHA256: sum[:]}); err != nil {
		t.Fatal(err)
	}
}

// tombstone writes what gallring writes before it deletes anything: the
// tombstone and its PREMIS deletion log.
func tombstone(t *testing.T, st *storage.Store, bucket string, ts aip.Tombstone) {
	t.Helper()
	ts.Disposed, ts.Event = time.Now().UTC(), "ev-"+ts.List
	ts.Records = []aip.TombRecord{{Case: "KS 2010/1", Rule: "2.3.1", Date: "2021-01-01"}}
	b, err := ts.Encode()
	if err != nil {
		t.Fatal(err)
	}
	put(t, st, bucket, aip.TombstoneKey(ts.AIPID, ts.List), b)
	put(t, st, bucket, aip.DeletionLogKey(ts.AIPID, ts.List), []byte("<premis/>"))
}

// dispose deletes every version of key, as the gallring executor does.
func dispose(t *testing.T, st *storage.Store, bucket, key string) {
	t.Helper()
	ctx := context.Background()
	var ids []string
	for v, err := range st.Versions(ctx, bucket, key) {
		if err != nil {
			t.Fatal(err)
		}
		if v.Key == key {
			ids = append(ids, v.VersionID)
		}
	}
	for _, id := range ids {
		if err := st.RemoveGoverned(ctx, bucket, key, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Remove(ctx, bucket, key); err != nil { // a delete marker, should a version have stayed
		t.Fatal(err)
	}
}

func keysOf(m *aip.Manifest) []string {
	out := []string{aip.ManifestKey(m.AIPID)}
	for _, o := range m.Objects {
		out = append(out, o.Key)
	}
	return out
}

// TestAuditKnowsGallring: one bucket with an intact AIP (damaged behind
// earkiv's back), one wholly disposed of, one whose full gallring was cut
// short and one partly disposed of. The audit reports the damage and
// nothing of what gallring disposed of; repair restores the damage and
// refuses the disposed objects, which stay gone from the primary although
// the replica still has them.
func TestAuditKnowsGallring(t *testing.T) {
	ctx := context.Background()
	srv := testenv.Versity(t)
	st := srv.Store(t)
	tn := testenv.Tenant(t, "alfa", "2120000001", map[string]string{})
	const rbucket = "replica-alfa"
	for _, b := range []string{tn.Bucket, rbucket} {
		if err := st.EnsureBucket(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	files := func(p string) map[string]string {
		return map[string]string{"METS.xml": "<mets " + p + "/>", "data/a.txt": "alpha " + p, "data/b.txt": "beta " + p}
	}
	aips := map[string]*aip.Manifest{}
	for _, p := range []string{"intact", "full", "cut", "part"} {
		aips[p] = putAIP(t, st, tn, tn.Bucket, p, files(p))
		putAIP(t, st, tn, rbucket, p, files(p))
	}
	intact, full, cut, part := aips["intact"], aips["full"], aips["cut"], aips["part"]

	// The intact AIP's a.txt has a lock of its own: manifests name it.
	own := earkiv.Lock{Mode: "GOVERNANCE", RetainUntil: time.Now().Add(48 * time.Hour).Truncate(time.Second).UTC()}
	for i, o := range intact.Objects {
		if strings.HasSuffix(o.Key, "/data/a.txt") {
			intact.Objects[i].Lock = &own
		}
	}
	b, _ := intact.Encode()
	put(t, st, tn.Bucket, aip.ManifestKey(intact.AIPID), b)
	put(t, st, rbucket, aip.ManifestKey(intact.AIPID), b)

	// Full gallring, done, in both buckets: only gallring's records remain.
	for _, bk := range []string{tn.Bucket, rbucket} {
		tombstone(t, st, bk, aip.Tombstone{Tenant: "alfa", AIPID: full.AIPID, PackageID: "full", List: "GL-1", Full: true, Keys: keysOf(full)})
		for _, k := range keysOf(full) {
			dispose(t, st, bk, k)
		}
	}
	// Full gallring cut short on the primary: the tombstone (there only),
	// the manifest and a file still there; the replica untouched.
	tombstone(t, st, tn.Bucket, aip.Tombstone{Tenant: "alfa", AIPID: cut.AIPID, PackageID: "cut", List: "GL-2", Full: true, Keys: keysOf(cut)[1:]})
	cutGone := cut.Objects[1].Key
	for _, o := range cut.Objects[1:] {
		dispose(t, st, tn.Bucket, o.Key)
	}
	// Partial gallring of b.txt: gone from the primary, the old manifest
	// still lists it, the replica still has it.
	partGone := aip.SubmissionKey(part.AIPID, "data/b.txt")
	for _, bk := range []string{tn.Bucket, rbucket} {
		tombstone(t, st, bk, aip.Tombstone{Tenant: "alfa", AIPID: part.AIPID, PackageID: "part", List: "GL-3", Keys: []string{partGone}})
	}
	dispose(t, st, tn.Bucket, partGone)
	// A frozen gallring list at the bucket's root.
	put(t, st, tn.Bucket, "gallring/GL-3/lista.json", []byte(`{"list":"GL-3"}`))

	// Genuine damage: a.txt overwritten, b.txt deleted, a stray object.
	if _, err := st.Put(ctx, tn.Bucket, aip.SubmissionKey(intact.AIPID, "data/a.txt"), strings.NewReader("ALPHA"), storage.PutOptions{Size: 5}); err != nil {
		t.Fatal(err)
	}
	if err := st.Remove(ctx, tn.Bucket, aip.SubmissionKey(intact.AIPID, "data/b.txt")); err != nil {
		t.Fatal(err)
	}
	put(t, st, tn.Bucket, "stray/file.bin", []byte("x"))

	place := buckets{primary: placement.Bucket{Store: st, Name: tn.Bucket}, replica: placement.Bucket{Store: st, Name: rbucket}}
	opts := audit.Options{Tenants: []*tenant.Tenant{tn}, Place: place, Workers: 2}
	dir := filepath.Join(t.TempDir(), "audits")
	var events []earkiv.Event
	run := func(o audit.Options) *audit.Result {
		t.Helper()
		r, err := audit.NewRun(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		j := &audit.Job{Options: o, Run: r, Version: "test", Publish: func(_ context.Context, e earkiv.Event) error { events = append(events, e); return nil }}
		res, err := j.Execute(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	targets, _, err := audit.Plan(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range targets {
		if strings.HasSuffix(tg.Key, "/data/a.txt") && tg.AIPID == intact.AIPID && tg.Lock != own {
			t.Errorf("target %s: lock %+v, want the object's own %+v", tg.Key, tg.Lock, own)
		}
	}

	res := run(opts)
	if got, want := outcomes(res.Bad), "mismatch submission/data/a.txt; missing submission/data/b.txt; orphan file.bin"; got != want {
		t.Fatalf("audit found\n  %s\nwant\n  %s", got, want)
	}
	for _, f := range res.Bad {
		if f.AIPID != "" && f.AIPID != intact.AIPID {
			t.Errorf("a disposed object reported: %+v", f)
		}
	}
	// intact: manifest, METS; part: manifest, METS, a.txt. Disposed: the
	// full AIP's 4 objects, the 3 the cut tombstone names and the manifest
	// it does not, part's b.txt.
	if s := res.Summary; s.OK != 5 || s.Mismatch != 1 || s.Missing != 1 || s.Orphans != 1 || s.Errors != 0 || s.Disposed != 9 {
		t.Fatalf("summary %+v", s)
	}
	if len(events) != 1 || !strings.Contains(events[0].Detail, "9 disposed of by gallring") {
		t.Fatalf("audit events: %+v", events)
	}
	// No fixity event log went into an AIP being or having been disposed of.
	for _, id := range []string{full.AIPID, cut.AIPID} {
		if _, err := st.Stat(ctx, tn.Bucket, aip.EventLogKey(id, "fixity", res.RunID)); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("event log in disposed AIP %s: %v", id, err)
		}
	}
	if r := run(audit.Options{Tenants: opts.Tenants, Place: place, AIP: cut.AIPID}); len(r.Bad) != 0 || r.Summary.Objects != 0 || r.Summary.Disposed != 4 {
		t.Fatalf("--aip of the cut AIP: %+v %s", r.Summary, outcomes(r.Bad))
	}

	// Repair of the run restores the damage only.
	lookup := func(string) (*tenant.Tenant, error) { return tn, nil }
	rr, err := (&audit.RepairJob{Dir: dir, RunID: res.RunID, Place: place, Lookup: lookup, Version: "test"}).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rr.Repaired != 2 || rr.Failed != 0 || rr.Disposed != 0 {
		t.Fatalf("repair: %+v", rr)
	}
	if l, err := st.Retention(ctx, tn.Bucket, aip.SubmissionKey(intact.AIPID, "data/a.txt")); err != nil || !l.RetainUntil.Equal(own.RetainUntil) {
		t.Errorf("restored a.txt: lock %+v, %v; want its own %+v", l, err, own)
	}

	// Asked directly for disposed objects (an old run's findings, or by
	// hand), repair refuses every one of them and copies nothing back.
	missing := func(m *aip.Manifest, key string) audit.Finding {
		f := audit.Finding{Tenant: "alfa", Bucket: tn.Bucket, AIPID: m.AIPID, Key: key, Outcome: audit.Missing}
		for _, o := range m.Objects {
			if o.Key == key {
				f.Expected, f.Size = o.SHA256, o.Size
			}
		}
		return f
	}
	asked := []audit.Finding{
		missing(full, full.Objects[0].Key),
		missing(full, aip.ManifestKey(full.AIPID)),
		missing(cut, cutGone),
		missing(part, partGone),
	}
	lists := []string{"GL-1", "GL-1", "GL-2", "GL-3"}
	refused := func(when string) {
		t.Helper()
		fixed, err := audit.Repair(ctx, place, lookup, asked, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		if len(fixed) != len(asked) {
			t.Fatalf("%s: %d results for %d asked", when, len(fixed), len(asked))
		}
		for i, f := range fixed {
			want := f.Key + " was disposed of by gallring list " + lists[i] + "; it is not restored"
			if f.Outcome != audit.Disposed || f.Detail != want || f.Bad() {
				t.Errorf("%s: %s: %s %q, want %s %q", when, f.Key, f.Outcome, f.Detail, audit.Disposed, want)
			}
		}
		for _, f := range asked {
			if _, err := st.Stat(ctx, tn.Bucket, f.Key); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("%s: %s is back in the primary: %v", when, f.Key, err)
			}
			if _, err := st.Stat(ctx, rbucket, f.Key); f.AIPID != full.AIPID && err != nil {
				t.Errorf("%s: the replica's copy of %s should still be there: %v", when, f.Key, err)
			}
		}
	}
	refused("tombstones readable")
	// The primary's tombstone of the partial gallring damaged: the
	// replica's copy still tells.
	put(t, st, tn.Bucket, aip.TombstoneKey(part.AIPID, "GL-3"), []byte("{rotted"))
	refused("primary's tombstone unreadable")
	// Unreadable in both: what it names cannot be told, so nothing of the
	// AIP is restored.
	put(t, st, rbucket, aip.TombstoneKey(part.AIPID, "GL-3"), []byte("{rotted"))
	fixed, err := audit.Repair(ctx, place, lookup, []audit.Finding{missing(part, partGone)}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if len(fixed) != 1 || fixed[0].Outcome != audit.Unrepairable || !strings.Contains(fixed[0].Detail, "unreadable in every bucket") {
		t.Fatalf("both tombstones unreadable: %+v", fixed)
	}
	if _, err := st.Stat(ctx, tn.Bucket, partGone); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("%s restored past an unreadable tombstone: %v", partGone, err)
	}

	// The audit now reports the unreadable tombstone, and what it hid.
	if got, want := outcomes(run(opts).Bad), "error gallring/GL-3.json; missing submission/data/b.txt; orphan file.bin"; got != want {
		t.Fatalf("after the tombstone rotted, audit found\n  %s\nwant\n  %s", got, want)
	}
}

package disposal_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"iter"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/disposal"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/holds"
	"github.com/earkiv/earkiv/internal/ihp"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/plans"
	"github.com/earkiv/earkiv/internal/records"
	"github.com/earkiv/earkiv/internal/retention"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
)

// BenchmarkExecute carries out a gallring list of EARKIV_BENCH_OBJECTS
// objects (default 10,000: AIPs of nine files and a manifest) in a
// primary and a replica versitygw, and the same number of raw
// DeleteObject calls (with governance bypass, 16 at once, the executor's
// pool) on an identical set of versions in the same run. It reports the
// executor's time over the raw calls' (target <= 1.5x). Run with
// -benchtime 1x.
func BenchmarkExecute(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	nobj := int(testenv.BenchSetting("EARKIV_BENCH_OBJECTS", 10000))
	const perAIP = 10
	naip := max(1, nobj/perAIP)
	pw := map[string]string{}
	alfa := testenv.Tenant(b, "alfa", "2120000001", pw)
	alfa.CoolingOff = "0"
	reg := &tenant.Registry{Tenants: []*tenant.Tenant{alfa}}
	prim, repl := testenv.Versity(b).Store(b), testenv.Versity(b).Store(b)
	for _, st := range []*storage.Store{prim, repl} {
		if err := st.EnsureBucket(ctx, alfa.Bucket); err != nil {
			b.Fatal(err)
		}
	}
	q := testenv.StartNATS(b, b.TempDir(), reg.Tenants, pw).Service(b)
	cat, err := catalog.Open(ctx, filepath.Join(b.TempDir(), "catalog.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer cat.Close()
	fctx, fcancel := context.WithCancel(ctx)
	follow := make(chan struct{})
	go func() {
		defer close(follow)
		cat.Follow(fctx, q, func(ctx context.Context, _, id string) (*aip.Manifest, error) {
			return aipstore.ReadManifest(ctx, prim, alfa.Bucket, id)
		}, slog.New(slog.DiscardHandler))
	}()
	defer func() { fcancel(); <-follow }()
	ps := &plans.Store{KV: q.Retention, Events: q, Now: time.Now}
	hs := &holds.Store{KV: q.Retention, Events: q, Now: time.Now}
	place := placement.Fixed{Store: prim, Second: repl}
	ret := retention.New(retention.Config{Plans: ps, Holds: hs, Catalog: cat, Place: place, Events: q, Version: "bench"})
	var lastHandled time.Time
	stamps, phase := map[string]time.Time{}, map[string]time.Duration{}
	var hmu sync.Mutex
	svc := disposal.New(disposal.Config{KV: q.Retention, Events: q, Catalog: cat, Place: place, Plans: ps, Holds: hs, Version: "bench",
		Log: slog.New(slog.DiscardHandler), Hook: func(stage, id string) {
			hmu.Lock()
			defer hmu.Unlock()
			now := time.Now()
			if prev, ok := stamps[id]; ok {
				phase[stage] += now.Sub(prev)
			}
			stamps[id] = now
			if stage == "aip-handled" {
				lastHandled = now
			}
		}})
	v1, err := ps.Import(ctx, "alfa", "bench", "v1.csv", []byte("Regel;Klass;Åtgärd;Gallringsfrist\n2.3.1;2.3.1;Gallras;2 år\n"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ret.ActivatePlan(ctx, alfa, v1.ID, "bench", "2020-01-01"); err != nil {
		b.Fatal(err)
	}

	// Two identical sets: the AIPs of the list, and raw objects.
	lock := earkiv.Lock{Mode: "GOVERNANCE", RetainUntil: time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)}
	b.Logf("storing %d objects twice in two stores", naip*perAIP)
	ms := make([]*aip.Manifest, naip)
	type rawObj struct {
		st           *storage.Store
		key, version string
	}
	var raw []*rawObj
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	put := func(st *storage.Store, key string, body []byte, l earkiv.Lock) (storage.Info, error) {
		sum := sha256.Sum256(body)
		return st.Put(gctx, alfa.Bucket, key, bytes.NewReader(body), storage.PutOptions{Size: int64(len(body)), SHA256: sum[:], Lock: l})
	}
	for i := range naip {
		m := benchManifest(alfa, i, v1.Rules)
		ms[i] = m
		bodies := make([][]byte, perAIP-1)
		for f := range perAIP - 1 {
			body := []byte(fmt.Sprintf("handling %d av %s", f, m.AIPID))
			sum := sha256.Sum256(body)
			bodies[f] = body
			m.Objects = append(m.Objects, aip.Object{Key: aip.SubmissionKey(m.AIPID, fmt.Sprintf("content/f%d.txt", f)), Path: fmt.Sprintf("submission/content/f%d.txt", f),
				Role: aip.RoleSubmission, Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:])})
		}
		for f, body := range bodies {
			o := &m.Objects[f]
			for si, st := range []*storage.Store{prim, repl} {
				g.Go(func() error {
					in, err := put(st, o.Key, body, lock)
					if err == nil && si == 0 {
						o.VersionID = in.VersionID
					}
					return err
				})
				r := &rawObj{st: st, key: fmt.Sprintf("raw-%06d/%d", i, f)}
				raw = append(raw, r)
				g.Go(func() error {
					in, err := put(st, r.key, body, lock)
					r.version = in.VersionID
					return err
				})
			}
		}
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i, m := range ms {
		mb, _ := m.Encode()
		for _, st := range []*storage.Store{prim, repl} {
			r := &rawObj{st: st, key: fmt.Sprintf("raw-%06d/manifest.json", i)}
			raw = append(raw, r)
			g.Go(func() error {
				if _, err := put(st, aip.ManifestKey(m.AIPID), mb, lock); err != nil {
					return err
				}
				in, err := put(st, r.key, mb, lock)
				r.version = in.VersionID
				return err
			})
		}
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	seq := func(yield func(*aip.Manifest, error) bool) {
		for _, m := range ms {
			if !yield(m, nil) {
				return
			}
		}
	}
	if _, err := cat.Rebuild(ctx, "alfa", iter.Seq2[*aip.Manifest, error](seq)); err != nil {
		b.Fatal(err)
	}
	l, err := svc.Propose(ctx, alfa, "arkivarie", disposal.Filter{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.Attest(ctx, alfa, l.ID, "ansvarig"); err != nil {
		b.Fatal(err)
	}

	b.ResetTimer()
	// Raw: every version of the same shape, deleted with bypass, 16 at once.
	start := time.Now()
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(16)
	for _, r := range raw {
		g.Go(func() error { return r.st.RemoveGoverned(gctx, alfa.Bucket, r.key, r.version) })
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	rawTime := time.Since(start)

	start = time.Now()
	if _, err := svc.Start(ctx, alfa, l.ID, "ansvarig"); err != nil {
		b.Fatal(err)
	}
	done, err := svc.Run(ctx, alfa, l.ID)
	if err != nil {
		b.Fatal(err)
	}
	execTime := time.Since(start)
	b.Logf("time in each stage, summed over AIPs: up to the tombstone %.1f s, deleting %.1f s, recording %.1f s; the last AIP done after %.2f s of %.2f s",
		phase["tombstone"].Seconds(), phase["deleted"].Seconds(), phase["aip-handled"].Seconds(), lastHandled.Sub(start).Seconds(), time.Since(start).Seconds())
	b.StopTimer()
	versions := 0
	for _, d := range done.Done {
		versions += d.Versions
	}
	if len(done.Done) != naip || versions != 2*naip*perAIP {
		b.Fatalf("executed %d AIPs, %d versions; want %d and %d", len(done.Done), versions, naip, 2*naip*perAIP)
	}
	b.ReportMetric(execTime.Seconds()/rawTime.Seconds(), "ratio")
	b.ReportMetric(execTime.Seconds(), "execute-s")
	b.ReportMetric(rawTime.Seconds(), "raw-s")
	b.Logf("%d objects in %d AIPs, %d versions: executor %.2f s (with tombstones, events, protocol), raw DeleteObject %.2f s",
		naip*perAIP, naip, versions, execTime.Seconds(), rawTime.Seconds())
}

// benchManifest is AIP i: one case with nine documents due since 2017.
func benchManifest(t *tenant.Tenant, i int, rules ihp.Rules) *aip.Manifest {
	pkg := fmt.Sprintf("bench-%06d", i)
	id := aip.ID(t.ID, pkg)
	c := records.Case{ID: fmt.Sprintf("BN 2015/%06d", i), Title: "Bygglov", Classification: "2.3.1", Closed: "2015-01-01"}
	for d := range 9 {
		c.Documents = append(c.Documents, records.Document{ID: fmt.Sprintf("%s-%d", c.ID, d+1), Files: []string{fmt.Sprintf("content/f%d.txt", d)}})
	}
	now := time.Now().UTC()
	return &aip.Manifest{Format: aip.ManifestFormat, Tenant: t.ID, Bucket: t.Bucket, AIPID: id, PackageID: pkg, SubmissionID: pkg,
		Family: "FGS1", Created: now, Submitted: now, Digest: "sha256:" + pkg, Files: 9, Creator: aip.Party{Name: "Byggnadsnämnden"},
		Cases: []records.Case{c}, Plan: "v1", Outcomes: []ihp.CaseOutcome{ihp.Evaluate(rules, "v1", c)}, Software: "bench"}
}

package retention_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"iter"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/catalog"
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

// BenchmarkPlanApply applies a plan change (2 år to 5 år) to
// EARKIV_BENCH_RECORDS records (default 100,000: AIPs of one case with
// nine documents, each AIP one file and its manifest in versitygw). It
// reports the catalog side (evaluating every record, publishing the
// changed outcomes and the catalog projecting them) in records/s, and the
// S3 side against raw PutObjectRetention calls for the same object
// versions at the same concurrency, in the same run. Run with -benchtime 1x.
func BenchmarkPlanApply(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	nrec := int(testenv.BenchSetting("EARKIV_BENCH_RECORDS", 100000))
	const perAIP = 10 // a case and nine documents
	naip := max(1, nrec/perAIP)
	pw := map[string]string{}
	alfa := testenv.Tenant(b, "alfa", "2120000001", pw)
	reg := &tenant.Registry{Tenants: []*tenant.Tenant{alfa}}
	s3 := testenv.Versity(b)
	st := s3.Store(b)
	if err := st.EnsureBucket(ctx, alfa.Bucket); err != nil {
		b.Fatal(err)
	}
	q := testenv.StartNATS(b, b.TempDir(), reg.Tenants, pw).Service(b)
	cat, err := catalog.Open(ctx, filepath.Join(b.TempDir(), "catalog.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer cat.Close()
	ps := &plans.Store{KV: q.Retention, Events: q, Now: time.Now}
	svc := retention.New(retention.Config{Plans: ps, Holds: &holds.Store{KV: q.Retention, Events: q, Now: time.Now}, Catalog: cat,
		Place: placement.Fixed{Store: st}, Events: q, Version: "bench"})
	plan := "Regel;Klass;Ärendetyp;Åtgärd;Gallringsfrist\n2.3.1;2.3.1;Bygglov;Gallras;2 år\n"
	v1, err := ps.Import(ctx, "alfa", "bench", "v1.csv", []byte(plan))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ps.Activate(ctx, "alfa", v1.ID, "bench", "2020-01-01"); err != nil {
		b.Fatal(err)
	}
	closed := fmt.Sprintf("%d-06-30", time.Now().Year()-1)

	// The archive: every AIP's file and manifest stored, locked as v1 says.
	b.Logf("storing %d AIPs (%d records)", naip, naip*perAIP)
	created := time.Now().UTC().Truncate(time.Second)
	ms := make([]*aip.Manifest, naip)
	var keys atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i := range naip {
		g.Go(func() error {
			m := benchManifest(alfa, i, closed, created, v1.Rules)
			locks := retention.ObjectLocks(m, m.Outcomes, "GOVERNANCE")
			body := []byte(m.AIPID)
			sum := sha256.Sum256(body)
			o := &m.Objects[0]
			o.Size, o.SHA256 = int64(len(body)), hex.EncodeToString(sum[:])
			in, err := st.Put(gctx, alfa.Bucket, o.Key, bytes.NewReader(body), storage.PutOptions{Size: o.Size, SHA256: sum[:], Lock: locks[o.Key]})
			if err != nil {
				return err
			}
			o.VersionID = in.VersionID
			mb, _ := m.Encode()
			msum := sha256.Sum256(mb)
			if _, err := st.Put(gctx, alfa.Bucket, aip.ManifestKey(m.AIPID), bytes.NewReader(mb), storage.PutOptions{Size: int64(len(mb)), SHA256: msum[:], Lock: m.Retention}); err != nil {
				return err
			}
			keys.Add(2)
			ms[i] = m
			return nil
		})
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
	fctx, fcancel := context.WithCancel(ctx)
	follow := make(chan struct{})
	go func() {
		defer close(follow)
		cat.Follow(fctx, q, func(ctx context.Context, _, id string) (*aip.Manifest, error) {
			return aipstore.ReadManifest(ctx, st, alfa.Bucket, id)
		}, slog.New(slog.DiscardHandler))
	}()
	defer func() { fcancel(); <-follow }()

	// Baseline: raw PutObjectRetention on the same versions, 16 at once,
	// to a day between v1's date and v2's.
	rawUntil := created.AddDate(3, 0, 0)
	b.ResetTimer()
	start := time.Now()
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(16)
	for _, m := range ms {
		for _, k := range [][2]string{{m.Objects[0].Key, m.Objects[0].VersionID}, {aip.ManifestKey(m.AIPID), ""}} {
			g.Go(func() error {
				return st.SetLock(gctx, alfa.Bucket, k[0], k[1], earkiv.Lock{Mode: "GOVERNANCE", RetainUntil: rawUntil})
			})
		}
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	raw := time.Since(start)

	v2, err := ps.Import(ctx, "alfa", "bench", "v2.csv", []byte(strings.Replace(plan, "2 år", "5 år", 1)))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ps.Activate(ctx, "alfa", v2.ID, "bench", ""); err != nil {
		b.Fatal(err)
	}
	start = time.Now()
	res, err := svc.Apply(ctx, alfa)
	if err != nil {
		b.Fatal(err)
	}
	// The catalog has projected the last change once the last AIP reads v2.
	last := ms[len(ms)-1].AIPID
	for {
		recs, err := cat.Retention(ctx, "alfa", last)
		if err == nil && len(recs) > 0 && recs[len(recs)-1].Outcome.Basis.Plan == v2.ID {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	total := time.Since(start)
	b.StopTimer()
	if res.Changed != naip*perAIP || res.Extended != int(keys.Load()) {
		b.Fatalf("applied %+v, want %d records changed and %d locks extended", res, naip*perAIP, keys.Load())
	}
	catalogSide := total - res.Took.Locks
	b.ReportMetric(float64(res.Changed)/catalogSide.Seconds(), "records/s")
	b.ReportMetric(res.Took.Locks.Seconds()/raw.Seconds(), "s3-ratio")
	b.Logf("%d records, %d lock changes: catalog side %.2f s (evaluate %.2f s, events and projection %.2f s); S3 %.2f s vs raw PutObjectRetention %.2f s",
		res.Changed, res.Extended, catalogSide.Seconds(), res.Took.Evaluate.Seconds(), (total - res.Took.Evaluate - res.Took.Locks).Seconds(), res.Took.Locks.Seconds(), raw.Seconds())
}

// benchManifest is AIP i: one case with nine documents, all linking one file.
func benchManifest(t *tenant.Tenant, i int, closed string, created time.Time, rules ihp.Rules) *aip.Manifest {
	pkg := fmt.Sprintf("bench-%06d", i)
	id := aip.ID(t.ID, pkg)
	c := records.Case{ID: fmt.Sprintf("BN 2025/%06d", i), Title: "Bygglov", Classification: "2.3.1", CaseType: "Bygglov", Closed: closed}
	for d := range 9 {
		c.Documents = append(c.Documents, records.Document{ID: fmt.Sprintf("%s-%d", c.ID, d+1), Type: "Ansökan", Files: []string{"content/f.txt"}})
	}
	m := &aip.Manifest{Format: aip.ManifestFormat, Tenant: t.ID, Bucket: t.Bucket, AIPID: id, PackageID: pkg, SubmissionID: pkg,
		Family: "FGS1", Created: created, Submitted: created, Digest: "sha256:" + pkg, Files: 1,
		Objects: []aip.Object{{Key: aip.SubmissionKey(id, "content/f.txt"), Path: "submission/content/f.txt", Role: aip.RoleSubmission}},
		Cases:   []records.Case{c}, Plan: "v1", Outcomes: []ihp.CaseOutcome{ihp.Evaluate(rules, "v1", c)}, Software: "bench"}
	return m
}

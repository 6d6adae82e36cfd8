package audit_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/audit"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
)

// BenchmarkAudit audits a generated 2 GB set of objects in an S3 gateway and,
// in the same run, runs sha256sum over the same bytes on local disk, best of
// 3 each. ratio = sha256sum time / audit time (target >= 0.8).
func BenchmarkAudit(b *testing.B) {
	size := testenv.BenchSetting("EARKIV_BENCH_BYTES", 2<<30)
	const files = 20
	ctx := context.Background()
	srv := testenv.Versity(b)
	st := srv.Store(b)
	pw := map[string]string{}
	tn := testenv.Tenant(b, "alfa", "2120000001", pw)
	if err := st.EnsureBucket(ctx, tn.Bucket); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	id := aip.ID("alfa", "bench")
	m := &aip.Manifest{Format: aip.ManifestFormat, Tenant: "alfa", Bucket: tn.Bucket, AIPID: id, PackageID: "bench", Created: time.Now()}
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 1<<20)
	for i := range files {
		p := filepath.Join(dir, fmt.Sprintf("f%02d.bin", i))
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		for w := int64(0); w < size/files; w += int64(len(buf)) {
			for j := 0; j < len(buf); j += 8 {
				v := rng.Uint64()
				for k := 0; k < 8; k++ {
					buf[j+k] = byte(v >> (8 * k))
				}
			}
			f.Write(buf)
			h.Write(buf)
		}
		f.Close()
		sum := h.Sum(nil)
		key := aip.SubmissionKey(id, filepath.Base(p))
		rf, _ := os.Open(p)
		fi, _ := rf.Stat()
		if _, err := st.Put(ctx, tn.Bucket, key, rf, storage.PutOptions{Size: fi.Size(), SHA256: sum}); err != nil {
			b.Fatal(err)
		}
		rf.Close()
		m.Objects = append(m.Objects, aip.Object{Key: key, Path: "submission/" + filepath.Base(p), Role: aip.RoleSubmission, Size: fi.Size(), SHA256: hex.EncodeToString(sum)})
	}
	mb, _ := m.Encode()
	msum := sha256.Sum256(mb)
	if _, err := st.Put(ctx, tn.Bucket, aip.ManifestKey(id), bytes.NewReader(mb), storage.PutOptions{Size: int64(len(mb)), SHA256: msum[:]}); err != nil {
		b.Fatal(err)
	}
	base, ours, ossl := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64), time.Duration(math.MaxInt64) // best of the runs
	for i := 0; i < b.N*3; i++ {
		args := []string{}
		for j := range files {
			args = append(args, filepath.Join(dir, fmt.Sprintf("f%02d.bin", j)))
		}
		t0 := time.Now()
		if out, err := exec.Command("sha256sum", args...).CombinedOutput(); err != nil {
			b.Fatalf("sha256sum: %v %s", err, out)
		}
		base = min(base, time.Since(t0))

		// The machine's hashing limit: openssl on both cores, half the
		// files each.
		t0 = time.Now()
		var cmds []*exec.Cmd
		for _, half := range [][]string{args[:len(args)/2], args[len(args)/2:]} {
			c := exec.Command("openssl", append([]string{"dgst", "-sha256"}, half...)...)
			if err := c.Start(); err != nil {
				b.Fatalf("openssl: %v", err)
			}
			cmds = append(cmds, c)
		}
		for _, c := range cmds {
			if err := c.Wait(); err != nil {
				b.Fatalf("openssl: %v", err)
			}
		}
		ossl = min(ossl, time.Since(t0))

		t0 = time.Now()
		var sum audit.Summary
		targets, _, err := audit.Plan(ctx, audit.Options{Tenants: []*tenant.Tenant{tn}, Place: placement.Fixed{Store: st}})
		if err != nil {
			b.Fatal(err)
		}
		err = audit.Check(ctx, audit.Options{Workers: 4, OnResult: func(f audit.Finding) { sum.Add(f) }}, targets)
		if err != nil || sum.Failed() || sum.OK != files+1 {
			b.Fatalf("%v %+v", err, sum)
		}
		ours = min(ours, time.Since(t0))
	}
	b.ReportMetric(base.Seconds(), "sha256sum-s")
	b.ReportMetric(ours.Seconds(), "audit-s")
	b.ReportMetric(float64(size)/(1<<20)/ours.Seconds(), "audit-MB/s")
	b.ReportMetric(base.Seconds()/ours.Seconds(), "ratio")
	b.ReportMetric(ossl.Seconds(), "openssl-s")
	b.ReportMetric(ossl.Seconds()/ours.Seconds(), "openssl-ratio")
}

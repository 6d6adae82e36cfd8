// Package audit verifies stored objects against the checksums their AIPs
// recorded: it streams each object back from S3, recomputes its SHA-256 and
// compares, and it also finds objects an AIP records that the bucket lost
// (missing) and objects in the bucket no AIP records (orphans).
//
// The expected digests come from the AIP manifests in the bucket itself, so
// an audit needs nothing but the bucket; the catalog only says when each
// object was last verified, to spread audits over a cycle.
package audit

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/fixity"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Outcomes of one object's check.
const (
	OK       = "ok"
	Mismatch = "mismatch" // the bytes no longer match the recorded SHA-256
	Missing  = "missing"  // recorded in an AIP, not in the bucket
	Orphan   = "orphan"   // in the bucket, in no AIP
	Error    = "error"    // could not be checked (read failed); counts as not verified
)

// Finding is the result for one object.
type Finding struct {
	Tenant   string    `json:"tenant"`
	Bucket   string    `json:"bucket"`
	AIPID    string    `json:"aipId,omitempty"`
	Key      string    `json:"key"`
	Outcome  string    `json:"outcome"`
	Expected string    `json:"expectedSha256,omitempty"`
	Actual   string    `json:"actualSha256,omitempty"`
	Size     int64     `json:"size"`
	Checked  time.Time `json:"checked"`
	Detail   string    `json:"detail,omitempty"`
}

// Bad reports whether the finding fails the audit.
func (f Finding) Bad() bool { return f.Outcome != OK }

// Target is one object the audit expects.
type Target struct {
	Tenant *tenant.Tenant
	Store  *storage.Store
	Bucket string
	AIPID  string
	Key    string
	Size   int64
	SHA256 string
	Lock   earkiv.Lock
}

// Options select and pace an audit. Place finds each tenant's buckets: the
// primary one is audited.
type Options struct {
	Tenants      []*tenant.Tenant
	Place        placement.Placement
	AIP          string        // only this AIP
	NotCheckedIn time.Duration // only objects not verified within this long (needs LastVerified)
	LastVerified func(tenant, key string) time.Time
	Sample       float64 // percent of objects to read, 0 or 100: all
	Limit        int     // at most this many objects, least recently verified first (0: all)
	Rate         int64   // bytes per second over all workers (0: unlimited)
	Workers      int
	OrphanGrace  time.Duration // objects younger than this outside any AIP may be an ingest in progress
	Seed         uint64        // selects the sample; a resumed run keeps its seed
	OnResult     func(Finding) // called once per object checked (from several goroutines)
	OnPlan       func(objects int, bytes int64)
	Now          func() time.Time
}

// Summary totals an audit.
type Summary struct {
	Objects  int   `json:"objects"`
	Bytes    int64 `json:"bytes"`
	OK       int   `json:"ok"`
	Mismatch int   `json:"mismatch"`
	Missing  int   `json:"missing"`
	Orphans  int   `json:"orphans"`
	Errors   int   `json:"errors"`
}

// Add counts a finding.
func (s *Summary) Add(f Finding) {
	s.Objects++
	switch f.Outcome {
	case OK:
		s.OK++
		s.Bytes += f.Size
	case Mismatch:
		s.Mismatch++
		s.Bytes += f.Size
	case Missing:
		s.Missing++
	case Orphan:
		s.Orphans++
	default:
		s.Errors++
	}
}

// Failed reports whether anything is wrong.
func (s Summary) Failed() bool { return s.Mismatch+s.Missing+s.Orphans+s.Errors > 0 }

// Plan lists what an audit of the tenants checks: every object of every
// complete AIP (selected by the options), and the missing and orphaned
// objects found by comparing the manifests with the bucket listing.
func Plan(ctx context.Context, o Options) (targets []Target, found []Finding, err error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	for _, t := range o.Tenants {
		b, err := o.Place.Primary(t)
		if err != nil {
			return nil, nil, err
		}
		st, bucket := b.Store, b.Name
		listed := map[string]storage.Info{}
		for in, err := range st.List(ctx, bucket, "") {
			if errors.Is(err, storage.ErrNotFound) {
				break // no bucket yet: nothing stored
			}
			if err != nil {
				return nil, nil, err
			}
			listed[in.Key] = in
		}
		recorded := map[string]bool{}
		complete := map[string]bool{}
		for key := range listed {
			id, ok := aip.ManifestAIP(key)
			if !ok {
				continue
			}
			m, err := aipstore.ReadManifest(ctx, st, bucket, id)
			if err != nil {
				return nil, nil, fmt.Errorf("audit %s: %w", t.ID, err)
			}
			complete[id] = true
			recorded[key] = true
			if o.AIP != "" && id != o.AIP {
				for _, ob := range m.Objects {
					recorded[ob.Key] = true
				}
				continue
			}
			// The manifest has no digest of itself; the store recorded one at upload.
			mi, err := st.Stat(ctx, bucket, key)
			if err != nil {
				return nil, nil, fmt.Errorf("audit %s: %w", t.ID, err)
			}
			objs := append([]aip.Object{{Key: key, Size: mi.Size, SHA256: mi.SHA256}}, m.Objects...)
			for _, ob := range objs {
				recorded[ob.Key] = true
				if _, ok := listed[ob.Key]; !ok {
					found = append(found, Finding{Tenant: t.ID, Bucket: bucket, AIPID: id, Key: ob.Key, Outcome: Missing,
						Expected: ob.SHA256, Size: ob.Size, Checked: now().UTC(), Detail: "recorded in the AIP manifest, not in the bucket"})
					continue
				}
				targets = append(targets, Target{Tenant: t, Store: st, Bucket: bucket, AIPID: id, Key: ob.Key, Size: ob.Size, SHA256: ob.SHA256, Lock: m.Retention})
			}
		}
		if o.AIP != "" {
			continue // orphans are a bucket-wide question
		}
		for key, in := range listed {
			if recorded[key] || isEventLog(key, complete) {
				continue
			}
			id, _, _ := strings.Cut(key, "/")
			if !complete[id] && now().Sub(in.Modified) < o.OrphanGrace {
				continue // perhaps an ingest still storing its AIP
			}
			found = append(found, Finding{Tenant: t.ID, Bucket: bucket, Key: key, Outcome: Orphan, Actual: in.ETag, Size: in.Size,
				Checked: now().UTC(), Detail: "in the bucket, in no AIP"})
		}
	}
	targets = o.selectTargets(targets)
	sort.Slice(found, func(i, j int) bool { return found[i].Key < found[j].Key })
	return targets, found, nil
}

// isEventLog tells whether key is an audit's PREMIS event log of a complete AIP.
func isEventLog(key string, complete map[string]bool) bool {
	id, rest, _ := strings.Cut(key, "/")
	return complete[id] && strings.HasPrefix(rest, "events/") && strings.HasSuffix(rest, ".xml")
}

func (o Options) selectTargets(ts []Target) []Target {
	var out []Target
	now := time.Now()
	if o.Now != nil {
		now = o.Now()
	}
	for _, t := range ts {
		if o.NotCheckedIn > 0 && o.LastVerified != nil {
			if lv := o.LastVerified(t.Tenant.ID, t.Key); !lv.IsZero() && now.Sub(lv) < o.NotCheckedIn {
				continue
			}
		}
		if o.Sample > 0 && o.Sample < 100 && !sampled(t.Key, o.Seed, o.Sample) {
			continue
		}
		out = append(out, t)
	}
	if o.Limit > 0 && len(out) > o.Limit {
		if o.LastVerified != nil {
			sort.SliceStable(out, func(i, j int) bool {
				return o.LastVerified(out[i].Tenant.ID, out[i].Key).Before(o.LastVerified(out[j].Tenant.ID, out[j].Key))
			})
		}
		out = out[:o.Limit]
	}
	return out
}

// sampled picks a stable pct-percent subset of keys for a seed.
func sampled(key string, seed uint64, pct float64) bool {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d\x00%s", seed, key)
	return float64(h.Sum64()%10000) < pct*100
}

// Check reads every target and reports each result through o.OnResult. It
// stops early, without a result for the objects not read, when ctx ends.
func Check(ctx context.Context, o Options, targets []Target) error {
	workers := o.Workers
	if workers <= 0 {
		workers = 4
	}
	lim := newLimiter(o.Rate)
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	jobs := make(chan Target)
	var wg sync.WaitGroup
	var stopped atomic.Bool
	for range workers {
		wg.Go(func() {
			for t := range jobs {
				f := checkOne(ctx, t, lim, t.Bucket, t.Tenant.ID)
				if ctx.Err() != nil {
					stopped.Store(true)
					continue // interrupted mid-object: no verdict
				}
				f.Checked = now().UTC()
				if o.OnResult != nil {
					o.OnResult(f)
				}
			}
		})
	}
feed:
	for _, t := range targets {
		select {
		case jobs <- t:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if stopped.Load() || ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

func checkOne(ctx context.Context, t Target, lim *rate.Limiter, bucket, tenantID string) Finding {
	f := Finding{Tenant: tenantID, Bucket: bucket, AIPID: t.AIPID, Key: t.Key, Expected: t.SHA256, Size: t.Size}
	rc, _, err := t.Store.Get(ctx, bucket, t.Key)
	if errors.Is(err, storage.ErrNotFound) {
		f.Outcome, f.Detail = Missing, "gone from the bucket"
		return f
	}
	if err != nil {
		f.Outcome, f.Detail = Error, err.Error()
		return f
	}
	defer rc.Close()
	var r io.Reader = rc
	if lim != nil {
		r = &limitedReader{ctx: ctx, r: rc, lim: lim}
	}
	sum, err := fixity.Sum(ctx, r, fixity.SHA256)
	if err != nil {
		f.Outcome, f.Detail = Error, err.Error()
		return f
	}
	n := sum.Size
	f.Actual = sum.Digests[fixity.SHA256]
	switch {
	case f.Actual != t.SHA256:
		f.Outcome, f.Detail = Mismatch, "SHA-256 differs from the one recorded at ingest"
	case n != t.Size:
		f.Outcome, f.Detail = Mismatch, fmt.Sprintf("size %d, recorded %d", n, t.Size)
	default:
		f.Outcome = OK
	}
	f.Size = n
	return f
}

// newLimiter is the limiter of an audit of bytesPerSec over all workers,
// nil for unlimited. Its burst is a second's worth, up to 64 MiB.
func newLimiter(bytesPerSec int64) *rate.Limiter {
	if bytesPerSec <= 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(bytesPerSec), int(min(bytesPerSec, 64<<20)))
}

// limitedReader paces reads to the audit's byte rate.
type limitedReader struct {
	ctx context.Context
	r   io.Reader
	lim *rate.Limiter
}

func (l *limitedReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if n > 0 {
		if werr := waitN(l.ctx, l.lim, n); werr != nil {
			return n, werr
		}
	}
	return n, err
}

// waitN takes n tokens, in pieces no bigger than the burst.
func waitN(ctx context.Context, lim *rate.Limiter, n int) error {
	for n > 0 {
		k := min(n, lim.Burst())
		if err := lim.WaitN(ctx, k); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

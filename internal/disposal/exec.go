package disposal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/holds"
	"github.com/earkiv/earkiv/internal/ihp"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/plans"
	"github.com/earkiv/earkiv/internal/retention"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Start begins the execution of an attested list whose ångerfrist has
// passed. The list is then verkställs until the executor has finished
// every AIP on it; starting it again (after a crash) resumes it.
func (s *Service) Start(ctx context.Context, t *tenant.Tenant, id, by string) (*List, error) {
	l, _, err := s.get(ctx, t.ID, id)
	if err != nil {
		return nil, err
	}
	if l.State == Executing || l.State == Done {
		return l, nil
	}
	return s.update(ctx, t.ID, id, "verkställs, startad av "+by, func(l *List) error {
		switch {
		case l.State == Executing || l.State == Done:
			return nil
		case l.State != Attested:
			return fmt.Errorf("%w: listan är %s; bara en attesterad lista verkställs", ErrState, l.State)
		case s.cfg.Now().Before(l.Executable):
			return fmt.Errorf("%w: listan kan verkställas från %s", ErrCooling, plans.Moment(l.Executable))
		}
		l.State, l.Started = Executing, s.cfg.Now().UTC()
		return nil
	})
}

// aipsAtOnce is how many AIPs of a list the executor works on at once;
// their deletions share Workers.
const aipsAtOnce = 16

// Run carries out list id, which must be verkställs: for each AIP not
// yet handled, it re-checks every record, disposes of those still due,
// and records the AIP done (a key of its own in the retention bucket,
// written once); then it writes and archives the protocol. It is safe to
// run again after any interruption.
func (s *Service) Run(ctx context.Context, t *tenant.Tenant, id string) (*List, error) {
	s.mu.Lock()
	if s.runs[t.ID+"/"+id] {
		s.mu.Unlock()
		return nil, fmt.Errorf("list %s is being executed already", id)
	}
	s.runs[t.ID+"/"+id] = true
	s.mu.Unlock()
	defer func() { s.mu.Lock(); delete(s.runs, t.ID+"/"+id); s.mu.Unlock() }()

	l, err := s.Get(ctx, t, id)
	if err != nil {
		return nil, err
	}
	if l.State == Done {
		return l, nil
	}
	if l.State != Executing {
		return nil, fmt.Errorf("%w: listan är %s", ErrState, l.State)
	}
	fr, err := s.Frozen(ctx, t, l)
	if err != nil {
		return nil, err
	}
	handled, err := s.handled(ctx, t.ID, id)
	if err != nil {
		return nil, err
	}
	byAIP := map[string][]Item{}
	var order []string
	for _, it := range fr.Items {
		if _, ok := byAIP[it.AIP]; !ok {
			order = append(order, it.AIP)
		}
		byAIP[it.AIP] = append(byAIP[it.AIP], it)
	}
	slices.Sort(order)
	// What the AIPs hold, read once: the catalog is one SQLite connection
	// its projection writes through, and the facts rules match on do not
	// change; the plan and the holds are re-read for each AIP.
	manifests, err := s.cfg.Catalog.Manifests(ctx, t.ID, order)
	if err != nil {
		return nil, err
	}
	all, err := s.cfg.Catalog.Appraisables(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	apps := map[string][]catalog.Appraisable{}
	for _, a := range all {
		if _, ok := byAIP[a.AIP]; ok {
			apps[a.AIP] = append(apps[a.AIP], a)
		}
	}
	sem := make(chan struct{}, s.cfg.Workers)
	listed, err := s.bulkVersions(ctx, t, order, handled)
	if err != nil {
		return nil, err
	}
	ctx = context.WithValue(ctx, listedKey{}, listed)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(aipsAtOnce)
	for _, aipID := range order {
		if handled[aipID] {
			continue
		}
		if _, ok := l.Excluded(aipID); ok {
			continue
		}
		g.Go(func() error {
			s.cfg.Hook("begin", aipID)
			done, skipped, err := s.disposeAIP(gctx, t, l, aipID, byAIP[aipID], manifests[aipID], apps[aipID], sem)
			if err != nil {
				return fmt.Errorf("AIP %s: %w", aipID, err)
			}
			if err := s.markHandled(gctx, t.ID, id, aipID, progress{Done: done, Skipped: skipped}); err != nil {
				return err
			}
			s.cfg.Hook("aip-handled", aipID)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		s.noteError(ctx, t, id, err)
		return nil, fmt.Errorf("list %s: %w", id, err)
	}
	if l, err = s.Get(ctx, t, id); err != nil {
		return nil, err
	}
	return s.finish(ctx, t, l, fr)
}

// listedKey carries the versions listed up front, by bucket and AIP.
type listedKey struct{}

// listedVersions are a bucket's versions by AIP id, listed once.
type listedVersions map[string]map[string][]storage.VersionRef // bucket endpoint/name -> AIP -> versions

// perPage is how many versions one listing request returns.
const perPage = 1000

// bulkVersions lists every version of the tenant's buckets once when that
// costs fewer requests than listing each AIP of the list (a page holds a
// thousand versions): the executor then deletes what the listing found.
// Versions written later under a listed AIP (its tombstone) are gallring's
// own; verify checks nothing else is left.
func (s *Service) bulkVersions(ctx context.Context, t *tenant.Tenant, aips []string, handled map[string]bool) (listedVersions, error) {
	want := map[string]bool{}
	for _, id := range aips {
		if !handled[id] {
			want[id] = true
		}
	}
	total, err := s.cfg.Catalog.TenantObjects(ctx, t.ID)
	if err != nil || len(want) == 0 || total/perPage >= len(want) || s.cfg.ListEachAIP {
		return nil, err
	}
	out := listedVersions{}
	var mu sync.Mutex
	err = s.bothCopies(t, s.cfg.Dispose, func(b placement.Bucket) error {
		m := map[string][]storage.VersionRef{}
		err := retry(ctx, func() error {
			clear(m)
			for v, err := range b.Store.ListVersions(ctx, b.Name, "") {
				if err != nil {
					return err
				}
				id, _, _ := strings.Cut(v.Key, "/")
				if want[id] {
					m[id] = append(m[id], v)
				}
			}
			return nil
		})
		mu.Lock()
		out[b.Store.Endpoint()+"/"+b.Name] = m
		mu.Unlock()
		return err
	})
	return out, err
}

// progress is what the executor records of one AIP once it is handled.
type progress struct {
	Done    *Disposed `json:"done,omitempty"`
	Skipped []Skip    `json:"skipped,omitempty"`
}

func progressKey(list, aipID string) string { return "done." + list + "." + aipID }

// markHandled records an AIP handled, once.
func (s *Service) markHandled(ctx context.Context, tenantID, list, aipID string, p progress) error {
	kv, err := s.cfg.KV(ctx, tenantID)
	if err != nil {
		return err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if _, err := kv.Create(ctx, progressKey(list, aipID), b); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("progress of %s: %w", aipID, err)
	}
	return nil
}

// handled returns the AIPs of list already handled.
func (s *Service) handled(ctx context.Context, tenantID, list string) (map[string]bool, error) {
	ps, err := s.progress(ctx, tenantID, list, false)
	out := map[string]bool{}
	for id := range ps {
		out[id] = true
	}
	return out, err
}

// progress reads the list's progress keys, with their values when full.
func (s *Service) progress(ctx context.Context, tenantID, list string, full bool) (map[string]progress, error) {
	kv, err := s.cfg.KV(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	lister, err := kv.ListKeysFiltered(ctx, "done."+list+".*")
	if err != nil {
		return nil, fmt.Errorf("progress of %s: %w", list, err)
	}
	out := map[string]progress{}
	prefix := "done." + list + "."
	for k := range lister.Keys() {
		id := strings.TrimPrefix(k, prefix)
		var p progress
		if full {
			e, err := kv.Get(ctx, k)
			if err != nil {
				return nil, fmt.Errorf("progress of %s: %w", id, err)
			}
			if err := json.Unmarshal(e.Value(), &p); err != nil {
				return nil, fmt.Errorf("progress of %s: %w", id, err)
			}
		}
		out[id] = p
	}
	return out, nil
}

// noteError records the last failure on the list for the person waiting.
func (s *Service) noteError(ctx context.Context, t *tenant.Tenant, id string, cause error) {
	if ctx.Err() != nil {
		return
	}
	if _, err := s.update(ctx, t.ID, id, "fel: "+cause.Error(), func(l *List) error { l.Error = cause.Error(); return nil }); err != nil {
		s.cfg.Log.Warn("disposal: note error", "list", id, "err", err)
	}
}

// recheck decides, at the moment of deletion, which of an AIP's items are
// still to be disposed of: not held, still gallras under the plan in
// force (with any override), and due today.
func (s *Service) recheck(ctx context.Context, t *tenant.Tenant, items []Item, apps []catalog.Appraisable, creator string) ([]Item, []Skip, error) {
	v, active, err := s.cfg.Appraiser.Current(ctx, t.ID)
	if err != nil {
		return nil, nil, err
	}
	today := plans.Day(s.cfg.Now())
	now := map[string]ihp.Outcome{}
	facts := map[string]catalog.Appraisable{}
	for _, a := range apps {
		facts[a.Case.ID] = a
		if v == nil {
			continue
		}
		co := retention.Decide(v.Rules, v.ID, a.Case, a.Override)
		now[a.Case.ID+"\x00"] = co.Outcome
		for _, d := range co.Documents {
			now[a.Case.ID+"\x00"+d.Document] = d.Outcome
		}
	}
	var keep []Item
	var skip []Skip
	for _, it := range items {
		sk := Skip{AIP: it.AIP, Case: it.Case, Document: it.Document}
		a, ok := facts[it.Case]
		if !ok {
			sk.Reason = "posten finns inte längre i arkivet"
			skip = append(skip, sk)
			continue
		}
		target := holds.Target{AIP: it.AIP, Case: it.Case, Class: a.Case.Classification, CaseType: a.Case.CaseType, Creator: creator, Closed: a.Case.Closed}
		if i := slices.IndexFunc(active, func(h *holds.Hold) bool { return h.Covers(target) }); i >= 0 {
			sk.Reason = fmt.Sprintf("gallringsstopp %s (%s)", active[i].ID, active[i].Reason)
			skip = append(skip, sk)
			continue
		}
		o, ok := now[it.Case+"\x00"+it.Document]
		switch {
		case v == nil:
			sk.Reason = "ingen plan gäller i dag"
		case !ok:
			sk.Reason = "posten finns inte längre i arkivet"
		case o.Outcome != ihp.Gallras || o.Review != "":
			sk.Reason = fmt.Sprintf("utfallet är nu %s (%s)", o.Outcome, o.Text())
		case o.Date == "" || o.Date > today:
			sk.Reason = fmt.Sprintf("gallringsdatum är nu %s", o.Date)
		default:
			keep = append(keep, it)
			continue
		}
		skip = append(skip, sk)
	}
	return keep, skip, nil
}

// disposeAIP disposes of the due items of one AIP, wholly when every
// record of the AIP goes, else partially. It is idempotent: a tombstone
// already written by an interrupted run is finished.
func (s *Service) disposeAIP(ctx context.Context, t *tenant.Tenant, l *List, aipID string, items []Item, m *aip.Manifest, apps []catalog.Appraisable, sem chan struct{}) (*Disposed, []Skip, error) {
	prim, err := s.cfg.Dispose.Primary(t)
	if err != nil {
		return nil, nil, err
	}
	if m == nil {
		// Disposed of by a run cut short after the catalog heard of it?
		// Then its tombstone says what to finish; a run cut short before
		// that redoes the AIP, which writes the same tombstone again.
		if ts, err := s.readTombstone(ctx, prim, aipID, l.ID); err != nil {
			return nil, nil, err
		} else if ts != nil {
			return s.carryOut(ctx, t, ts, nil, items, sem, nil)
		}
		var skip []Skip
		for _, it := range items {
			skip = append(skip, Skip{AIP: it.AIP, Case: it.Case, Document: it.Document, Reason: "AIP:n finns inte längre i katalogen"})
		}
		return nil, skip, nil
	}
	keep, skip, err := s.recheck(ctx, t, items, apps, m.CreatorName())
	if err != nil || len(keep) == 0 {
		return nil, skip, err
	}
	// A case goes only with all its documents; the documents of a case
	// that stays may go on their own.
	going := map[string]bool{}
	for _, it := range keep {
		going[it.Case+"\x00"+it.Document] = true
	}
	var final []Item
	for _, it := range keep {
		if it.Document == "" {
			a := apps[slices.IndexFunc(apps, func(a catalog.Appraisable) bool { return a.Case.ID == it.Case })]
			all := true
			for _, d := range a.Case.Documents {
				all = all && going[it.Case+"\x00"+d.ID]
			}
			if !all {
				going[it.Case+"\x00"] = false
				skip = append(skip, Skip{AIP: it.AIP, Case: it.Case, Reason: "ärendet har handlingar som bevaras eller inte är förfallna"})
				continue
			}
		}
		final = append(final, it)
	}
	if len(final) == 0 {
		return nil, skip, nil
	}
	full := true
	for _, a := range apps {
		full = full && going[a.Case.ID+"\x00"]
		for _, d := range a.Case.Documents {
			full = full && going[a.Case.ID+"\x00"+d.ID]
		}
	}
	ts := &aip.Tombstone{Tenant: t.ID, AIPID: aipID, PackageID: m.PackageID, List: l.ID, Full: full, Disposed: s.cfg.Now().UTC()}
	closed := map[string]string{}
	for _, a := range apps {
		closed[a.Case.ID] = a.Case.Closed
	}
	for _, it := range final {
		ts.Records = append(ts.Records, aip.TombRecord{Case: it.Case, Document: it.Document, Rule: it.Basis.Rule, Plan: it.Basis.Plan, Date: it.Date, Closed: closed[it.Case]})
	}
	if full {
		ts.Keys = append(ts.Keys, aip.ManifestKey(aipID))
		for _, o := range m.Objects {
			ts.Keys = append(ts.Keys, o.Key)
		}
	} else {
		ts.Keys = removedFiles(m, going)
	}
	done, err := s.carryOutNew(ctx, t, ts, m, final, sem)
	return done, skip, err
}

func (s *Service) carryOutNew(ctx context.Context, t *tenant.Tenant, ts *aip.Tombstone, m *aip.Manifest, items []Item, sem chan struct{}) (*Disposed, error) {
	refs, err := s.findVersions(ctx, t, ts, sem)
	if err != nil {
		return nil, err
	}
	if refs.tombstone != nil {
		// A run before this one wrote the tombstone (and may have deleted
		// some or all): finish what it recorded.
		d, _, err := s.carryOut(ctx, t, refs.tombstone, m, items, sem, nil)
		return d, err
	}
	for _, vs := range refs.found {
		for _, v := range vs {
			ts.Versions++
			ts.Bytes += v.Size
		}
	}
	ev := aip.NewEvent("deletion", fmt.Sprintf("gallring enligt gallringslista %s", ts.List), earkiv.Success,
		fmt.Sprintf("%d poster gallrade (%s), %d versioner", len(ts.Records), map[bool]string{true: "hela AIP:n", false: "delvis"}[ts.Full], ts.Versions), ts.Disposed)
	ts.Event = ev.ID
	for _, k := range ts.Keys {
		ev.Objects = append(ev.Objects, strings.TrimPrefix(k, ts.AIPID+"/"))
	}
	ev.Agents = []string{"earkiv"}
	if err := s.writeTombstone(ctx, t, ts, ev, sem); err != nil {
		return nil, err
	}
	s.cfg.Hook("tombstone", ts.AIPID)
	d, _, err := s.carryOut(ctx, t, ts, m, items, sem, refs.found)
	return d, err
}

// versionsFound are the versions to delete in each copy, by bucket, and
// the list's tombstone if a run before this one wrote it already.
type versionsFound struct {
	found     map[string][]storage.VersionRef
	tombstone *aip.Tombstone
}

func bucketID(b placement.Bucket) string { return b.Store.Endpoint() + "/" + b.Name }

// findVersions lists, in both copies, the versions the tombstone's
// disposal deletes, and notices a tombstone of the list already there.
func (s *Service) findVersions(ctx context.Context, t *tenant.Tenant, ts *aip.Tombstone, sem chan struct{}) (versionsFound, error) {
	out := versionsFound{found: map[string][]storage.VersionRef{}}
	var mu sync.Mutex
	var seen []placement.Bucket
	err := s.bothCopies(t, s.cfg.Dispose, func(b placement.Bucket) error {
		all, err := s.versionsOf(ctx, b, ts.AIPID, sem)
		if err != nil {
			return err
		}
		want := wanted(ts)
		var vs []storage.VersionRef
		had := false
		for _, v := range all {
			if v.Key == aip.TombstoneKey(ts.AIPID, ts.List) {
				had = true
			}
			if want(v.Key) {
				vs = append(vs, v)
			}
		}
		mu.Lock()
		out.found[bucketID(b)] = vs
		if had {
			seen = append(seen, b)
		}
		mu.Unlock()
		return nil
	})
	if err != nil || len(seen) == 0 {
		return out, err
	}
	for _, b := range seen {
		prev, err := s.readTombstone(ctx, b, ts.AIPID, ts.List)
		if err == nil && prev != nil {
			out.tombstone = prev
			return out, nil
		}
	}
	return out, nil
}

// wanted tells the keys a tombstone's disposal deletes.
func wanted(ts *aip.Tombstone) func(string) bool {
	if ts.Full {
		return func(k string) bool { return !aip.IsGallringKey(ts.AIPID, k) }
	}
	keys := map[string]bool{}
	for _, k := range ts.Keys {
		keys[k] = true
	}
	return func(k string) bool { return keys[k] }
}

// versionsOf lists every version under an AIP in one bucket: from the
// listing of the whole bucket made up front, or by listing the AIP.
func (s *Service) versionsOf(ctx context.Context, b placement.Bucket, aipID string, sem chan struct{}) ([]storage.VersionRef, error) {
	if lv, ok := ctx.Value(listedKey{}).(listedVersions); ok && lv[bucketID(b)] != nil {
		return lv[bucketID(b)][aipID], nil
	}
	if err := acquire(ctx, sem); err != nil {
		return nil, err
	}
	defer func() { <-sem }()
	var refs []storage.VersionRef
	err := retry(ctx, func() error {
		refs = refs[:0:0]
		for v, err := range b.Store.ListVersions(ctx, b.Name, aipID+"/") {
			if err != nil {
				return err
			}
			refs = append(refs, v)
		}
		return nil
	})
	return refs, err
}

// writeTombstone stores the tombstone and its PREMIS deletion event in the
// primary and the replica, kept, before anything is deleted.
func (s *Service) writeTombstone(ctx context.Context, t *tenant.Tenant, ts *aip.Tombstone, ev aip.Event, sem chan struct{}) error {
	body, err := ts.Encode()
	if err != nil {
		return err
	}
	log, err := aip.EventLog(ts.AIPID, []aip.Event{ev}, []aip.Agent{{ID: "earkiv", Name: "earkiv", Type: "software", Version: s.cfg.Version}})
	if err != nil {
		return err
	}
	keep := earkiv.Lock{Mode: t.RetentionMode(), RetainUntil: earkiv.KeepUntil}
	return s.bothCopies(t, s.cfg.Place, func(b placement.Bucket) error {
		var g errgroup.Group
		for _, o := range []struct {
			key   string
			body  []byte
			ctype string
		}{{aip.DeletionLogKey(ts.AIPID, ts.List), log, "application/xml"}, {aip.TombstoneKey(ts.AIPID, ts.List), body, "application/json"}} {
			g.Go(func() error {
				if err := acquire(ctx, sem); err != nil {
					return err
				}
				defer func() { <-sem }()
				sum := sha256.Sum256(o.body)
				if err := retry(ctx, func() error {
					_, err := b.Store.Put(ctx, b.Name, o.key, bytes.NewReader(o.body), storage.PutOptions{Size: int64(len(o.body)), SHA256: sum[:], ContentType: o.ctype, Lock: keep})
					return err
				}); err != nil {
					return fmt.Errorf("tombstone %s: %w", o.key, err)
				}
				return nil
			})
		}
		return g.Wait()
	})
}

func (s *Service) readTombstone(ctx context.Context, b placement.Bucket, aipID, list string) (*aip.Tombstone, error) {
	var ts *aip.Tombstone
	err := retry(ctx, func() error {
		rc, _, err := b.Store.Get(ctx, b.Name, aip.TombstoneKey(aipID, list))
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		defer rc.Close()
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(rc); err != nil {
			return err
		}
		ts, err = aip.DecodeTombstone(buf.Bytes())
		return err
	})
	return ts, err
}

// eachCopy runs f on the tenant's primary bucket and then its replica.
func (s *Service) eachCopy(t *tenant.Tenant, p placement.Placement, f func(placement.Bucket) error) error {
	prim, err := p.Primary(t)
	if err != nil {
		return err
	}
	if err := f(prim); err != nil {
		return err
	}
	rep, ok, err := p.Replica(t)
	if err != nil || !ok {
		return err
	}
	return f(rep)
}

// bothCopies runs f on the tenant's primary bucket and its replica at
// once.
func (s *Service) bothCopies(t *tenant.Tenant, p placement.Placement, f func(placement.Bucket) error) error {
	prim, err := p.Primary(t)
	if err != nil {
		return err
	}
	rep, ok, err := p.Replica(t)
	if err != nil {
		return err
	}
	if !ok {
		return f(prim)
	}
	var g errgroup.Group
	g.Go(func() error { return f(prim) })
	g.Go(func() error { return f(rep) })
	return g.Wait()
}

// carryOut deletes every version of the tombstone's keys (for a whole
// AIP: every key under it but gallring's own, the manifest first) in the
// primary and the replica with the disposal credential, writes a partial
// AIP's new manifest revision, and announces the records gone.
func (s *Service) carryOut(ctx context.Context, t *tenant.Tenant, ts *aip.Tombstone, m *aip.Manifest, items []Item, sem chan struct{}, found map[string][]storage.VersionRef) (*Disposed, []Skip, error) {
	d := &Disposed{AIP: ts.AIPID, Partial: !ts.Full, Objects: len(ts.Keys), Event: ts.Event, At: ts.Disposed, PackageID: ts.PackageID, Records: ts.Records}
	if len(items) > 0 {
		d.ManifestSHA256 = items[0].ManifestSHA256
	}
	var mu sync.Mutex
	err := s.bothCopies(t, s.cfg.Dispose, func(b placement.Bucket) error {
		refs, ok := found[bucketID(b)]
		if !ok {
			all, err := s.versionsOf(ctx, b, ts.AIPID, sem)
			if err != nil {
				return err
			}
			want := wanted(ts)
			for _, v := range all {
				if want(v.Key) {
					refs = append(refs, v)
				}
			}
		}
		n, bytes, err := s.deleteVersions(ctx, b, refs, ts.AIPID, sem)
		mu.Lock()
		d.Versions += n
		d.Bytes += bytes
		mu.Unlock()
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	// What the tombstone found before anything went is the count: a run
	// that finishes an interrupted one deletes only what was left.
	if ts.Versions > 0 {
		d.Versions, d.Bytes = ts.Versions, ts.Bytes
	}
	s.cfg.Hook("deleted", ts.AIPID)
	rec := catalog.DisposedRecord{Tombstone: ts}
	if !ts.Full {
		if m == nil {
			if m, err = s.cfg.Catalog.Manifest(ctx, t.ID, ts.AIPID); err != nil {
				return nil, nil, err
			}
		}
		nm, err := s.revise(ctx, t, m, ts)
		if err != nil {
			return nil, nil, err
		}
		rec.Manifest = nm
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.cfg.Events.PublishSeq(ctx, earkiv.Event{Tenant: t.ID, Type: earkiv.DisposalRecord, AIPID: ts.AIPID, PackageID: ts.PackageID, Outcome: earkiv.Success,
		Detail: fmt.Sprintf("%d poster gallrade enligt gallringslista %s", len(ts.Records), ts.List), Data: data}); err != nil {
		return nil, nil, fmt.Errorf("disposal event: %w", err)
	}
	return d, nil, nil
}

// deleteVersions removes every version of the tombstone's objects from one
// bucket and returns how many versions and bytes went.
func (s *Service) deleteVersions(ctx context.Context, b placement.Bucket, refs []storage.VersionRef, aipID string, sem chan struct{}) (int, int64, error) {
	refs = slices.Clone(refs)
	// The manifest first: the AIP is no longer complete, so no reader
	// takes what remains for an archived package.
	manifest := aip.ManifestKey(aipID)
	slices.SortStableFunc(refs, func(a, b storage.VersionRef) int {
		switch {
		case a.Key == manifest && b.Key != manifest:
			return -1
		case b.Key == manifest && a.Key != manifest:
			return 1
		}
		return 0
	})
	var n int
	var size int64
	var mu sync.Mutex
	rm := func(v storage.VersionRef) error {
		if err := acquire(ctx, sem); err != nil {
			return err
		}
		err := retry(ctx, func() error { return b.Store.RemoveGoverned(ctx, b.Name, v.Key, v.VersionID) })
		<-sem
		if err != nil {
			return fmt.Errorf("delete %s version %s on %s: %w", v.Key, v.VersionID, b.Store.Endpoint(), err)
		}
		mu.Lock()
		n++
		size += v.Size
		mu.Unlock()
		return nil
	}
	i := 0
	for ; i < len(refs) && refs[i].Key == manifest; i++ {
		if err := rm(refs[i]); err != nil {
			return n, size, err
		}
	}
	var g errgroup.Group
	for _, v := range refs[i:] {
		g.Go(func() error { return rm(v) })
	}
	return n, size, g.Wait()
}

// acquire takes a place in the pool of S3 calls.
func acquire(ctx context.Context, sem chan struct{}) error {
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// removedFiles lists the submitted files a partial gallring removes: those
// linked only by documents that go.
func removedFiles(m *aip.Manifest, going map[string]bool) []string {
	stays := map[string]bool{}
	goes := map[string]bool{}
	for _, cs := range m.Cases {
		for _, d := range cs.Documents {
			for _, f := range d.Files {
				f = strings.TrimPrefix(f, "./")
				if going[cs.ID+"\x00"+d.ID] {
					goes[f] = true
				} else {
					stays[f] = true
				}
			}
		}
	}
	var out []string
	for _, o := range m.Objects {
		if o.Role != aip.RoleSubmission {
			continue
		}
		p := strings.TrimPrefix(o.Path, "submission/")
		for f := range goes {
			if (p == f || strings.HasSuffix(p, "/"+f)) && !linkedBy(stays, p) {
				out = append(out, o.Key)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

func linkedBy(links map[string]bool, p string) bool {
	for f := range links {
		if p == f || strings.HasSuffix(p, "/"+f) {
			return true
		}
	}
	return false
}

package disposal

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/holds"
	"github.com/earkiv/earkiv/internal/ihp"
	"github.com/earkiv/earkiv/internal/kvrec"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/plans"
	"github.com/earkiv/earkiv/internal/retention"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Errors a person can act on.
var (
	ErrNotFound = errors.New("ingen sådan gallringslista")
	ErrState    = errors.New("listan är inte i det läget")
	ErrConflict = errors.New("listan ändrades samtidigt av någon annan; försök igen")
	ErrOwnList  = errors.New("den som föreslagit en gallringslista kan inte själv attestera den")
	ErrCooling  = errors.New("ångerfristen har inte gått ut")
	ErrEmpty    = errors.New("inga förfallna handlingar matchar urvalet")
)

// Events publishes events and returns their stream sequence; queue.Client
// is one.
type Events interface {
	PublishSeq(ctx context.Context, e earkiv.Event) (uint64, error)
}

// Config wires the service.
type Config struct {
	KV      func(ctx context.Context, tenant string) (jetstream.KeyValue, error)
	Events  Events
	Catalog *catalog.Catalog
	// Place is the ordinary placement (frozen lists, tombstones, the
	// protocol); Dispose reaches the same buckets with the disposal
	// credential, the only one allowed to bypass governance retention.
	Place   placement.Placement
	Dispose placement.Placement
	Plans   *plans.Store
	Holds   *holds.Store
	// Reapply re-evaluates the tenant's records after an exclusion, so
	// the records' outcome and locks follow it at once (retention.Service's
	// Apply); nil: the next periodic re-evaluation does.
	Reapply func(ctx context.Context, t *tenant.Tenant) error
	// Appraiser gives the plan in force and the active holds the executor
	// re-checks records against; nil: one over Plans and Holds.
	Appraiser *retention.Appraiser
	Now       func() time.Time
	Version   string
	// ListEachAIP lists each AIP's versions even where listing the whole
	// bucket once would take fewer requests (tests of that path).
	ListEachAIP bool
	// Workers is how many deletions run at once (default 16).
	Workers int
	// Hook, if set, is called at points of the execution tests stop at.
	Hook func(stage, detail string)
	Log  *slog.Logger
}

// Service proposes, attests and carries out gallring lists.
type Service struct {
	cfg  Config
	mu   sync.Mutex
	runs map[string]bool // lists being executed by this process
}

// New returns the service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Hook == nil {
		cfg.Hook = func(string, string) {}
	}
	if cfg.Dispose == nil {
		cfg.Dispose = cfg.Place
	}
	if cfg.Appraiser == nil {
		cfg.Appraiser = &retention.Appraiser{Plans: cfg.Plans, Holds: cfg.Holds, Now: cfg.Now}
	}
	return &Service{cfg: cfg, runs: map[string]bool{}}
}

func listKey(id string) string { return "list." + id }

// Get returns a list with the executor's progress.
func (s *Service) Get(ctx context.Context, t *tenant.Tenant, id string) (*List, error) {
	l, _, err := s.get(ctx, t.ID, id)
	if err != nil || (l.State != Executing && l.State != Done) {
		return l, err
	}
	ps, err := s.progress(ctx, t.ID, id, true)
	if err != nil {
		return nil, err
	}
	for _, aipID := range slices.Sorted(maps.Keys(ps)) {
		p := ps[aipID]
		if p.Done != nil {
			l.Done = append(l.Done, *p.Done)
		}
		l.Skipped = append(l.Skipped, p.Skipped...)
	}
	return l, nil
}

func (s *Service) get(ctx context.Context, tenantID, id string) (*List, uint64, error) {
	if uuid.Validate(id) != nil {
		return nil, 0, fmt.Errorf("%q: %w", id, ErrNotFound)
	}
	kv, err := s.cfg.KV(ctx, tenantID)
	if err != nil {
		return nil, 0, err
	}
	l, rev, err := kvrec.Get[List](ctx, kv, listKey(id))
	if errors.Is(err, kvrec.ErrNotFound) {
		return nil, 0, fmt.Errorf("%s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("list %s: %w", id, err)
	}
	return l, rev, nil
}

// Lists returns the tenant's lists, newest first, as the catalog has them.
func (s *Service) Lists(ctx context.Context, t *tenant.Tenant) ([]*List, error) {
	raw, err := s.cfg.Catalog.ListData(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	out := make([]*List, 0, len(raw))
	for _, b := range raw {
		var l List
		if err := json.Unmarshal(b, &l); err != nil {
			return nil, fmt.Errorf("list: %w", err)
		}
		out = append(out, &l)
	}
	return out, nil
}

// update applies change to a list under a revision check, stores it and
// announces it, waiting until the catalog shows it.
func (s *Service) update(ctx context.Context, tenantID, id, detail string, change func(*List) error) (*List, error) {
	kv, err := s.cfg.KV(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	l, rev, err := s.get(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	if err := change(l); err != nil {
		return nil, err
	}
	b, err := kvrec.Update(ctx, kv, listKey(id), l, rev)
	if errors.Is(err, kvrec.ErrChanged) {
		return nil, ErrConflict
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", id, err)
	}
	return l, s.announce(ctx, l, b, detail)
}

func (s *Service) announce(ctx context.Context, l *List, data []byte, detail string) error {
	seq, err := s.cfg.Events.PublishSeq(ctx, earkiv.Event{Tenant: l.Tenant, Type: earkiv.DisposalList, Outcome: earkiv.Success,
		Detail: fmt.Sprintf("gallringslista %s: %s", l.ID, detail), Data: data})
	if err != nil {
		return fmt.Errorf("list %s: event: %w", l.ID, err)
	}
	return s.waitCatalog(ctx, seq)
}

// waitCatalog waits a little for the catalog to show an event, so the
// person's next read sees their change; a slow catalog is no failure.
func (s *Service) waitCatalog(ctx context.Context, seq uint64) error {
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.cfg.Catalog.WaitApplied(wctx, seq); err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

// Propose freezes the due records filter selects into a new list: the
// items are written once as an object with its checksum, so a later
// change of plan or records does not change what was proposed.
func (s *Service) Propose(ctx context.Context, t *tenant.Tenant, by string, f Filter) (*List, error) {
	today := plans.Day(s.cfg.Now())
	if f.Before == "" {
		f.Before = today
	} else if err := checkDate(f.Before); err != nil {
		return nil, earkiv.Invalid("förfallna senast: %v", err)
	}
	due, err := s.cfg.Catalog.Due(ctx, t.ID, min(f.Before, today))
	if err != nil {
		return nil, err
	}
	prim, err := s.cfg.Place.Primary(t)
	if err != nil {
		return nil, err
	}
	fr := &Frozen{Format: FrozenFormat, ID: uuid.NewString(), Tenant: t.ID, Proposer: by, Proposed: s.cfg.Now().UTC(), Filter: f}
	digests := map[string]string{}
	aips := map[string]bool{}
	for _, r := range due {
		if f.Class != "" && r.Class != f.Class && !strings.HasPrefix(r.Class, f.Class+".") {
			continue
		}
		if f.Rule != "" && r.Outcome.Basis.Rule != f.Rule {
			continue
		}
		if f.Creator != "" && !strings.EqualFold(r.Creator, f.Creator) {
			continue
		}
		d, ok := digests[r.AIP]
		if !ok {
			in, err := prim.Store.Stat(ctx, prim.Name, aip.ManifestKey(r.AIP))
			if err != nil {
				return nil, fmt.Errorf("manifest of AIP %s: %w", r.AIP, err)
			}
			d, digests[r.AIP] = in.SHA256, in.SHA256
		}
		aips[r.AIP] = true
		fr.Items = append(fr.Items, Item{AIP: r.AIP, PackageID: r.PackageID, Case: r.Case, Document: r.Document, Creator: r.Creator,
			Class: r.Class, Date: r.Outcome.Date, Basis: r.Outcome.Basis, ManifestSHA256: d})
	}
	if len(fr.Items) == 0 {
		return nil, ErrEmpty
	}
	body, err := json.MarshalIndent(fr, "", "  ")
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	key := FrozenKey(fr.ID)
	keep := earkiv.Lock{Mode: t.RetentionMode(), RetainUntil: earkiv.KeepUntil}
	if err := retry(ctx, func() error {
		_, err := prim.Store.Put(ctx, prim.Name, key, bytes.NewReader(body), storage.PutOptions{Size: int64(len(body)), SHA256: sum[:], ContentType: "application/json", Lock: keep})
		return err
	}); err != nil {
		return nil, fmt.Errorf("frozen list: %w", err)
	}
	l := &List{ID: fr.ID, Tenant: t.ID, State: Proposed, Filter: f, Proposer: by, Proposed: fr.Proposed, Key: key,
		SHA256: hex.EncodeToString(sum[:]), Items: len(fr.Items), AIPs: len(aips)}
	kv, err := s.cfg.KV(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(l)
	if err != nil {
		return nil, err
	}
	if _, err := kv.Create(ctx, listKey(l.ID), b); err != nil {
		return nil, fmt.Errorf("list %s: %w", l.ID, err)
	}
	return l, s.announce(ctx, l, b, fmt.Sprintf("föreslagen av %s: %d poster i %d AIP (%s)", by, l.Items, l.AIPs, f))
}

// Frozen reads a list's frozen items back and checks them against the
// digest the list recorded.
func (s *Service) Frozen(ctx context.Context, t *tenant.Tenant, l *List) (*Frozen, error) {
	prim, err := s.cfg.Place.Primary(t)
	if err != nil {
		return nil, err
	}
	var body []byte
	err = retry(ctx, func() error {
		rc, _, err := prim.Store.Get(ctx, prim.Name, l.Key)
		if err != nil {
			return err
		}
		defer rc.Close()
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(rc); err != nil {
			return err
		}
		body = buf.Bytes()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("frozen list %s: %w", l.ID, err)
	}
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != l.SHA256 {
		return nil, fmt.Errorf("frozen list %s: SHA-256 %x, the list recorded %s: it was changed", l.ID, sum, l.SHA256)
	}
	var fr Frozen
	if err := json.Unmarshal(body, &fr); err != nil || fr.Format != FrozenFormat || fr.ID != l.ID {
		return nil, fmt.Errorf("frozen list %s: not the list (%v)", l.ID, err)
	}
	return &fr, nil
}

// Exclude takes an AIP's records out of a proposed list with a reason:
// kept after all (they become bevaras with that reason), or postponed to
// a date (they are due again then).
func (s *Service) Exclude(ctx context.Context, t *tenant.Tenant, id, aipID, by, reason, postpone string) (*List, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, earkiv.Invalid("ett undantag behöver ett skäl")
	}
	if postpone != "" {
		if err := checkDate(postpone); err != nil {
			return nil, earkiv.Invalid("uppskjuten till: %v", err)
		}
		if postpone <= plans.Day(s.cfg.Now()) {
			return nil, earkiv.Invalid("uppskjuten till %s: ange ett datum efter i dag", postpone)
		}
	}
	l, _, err := s.get(ctx, t.ID, id)
	if err != nil {
		return nil, err
	}
	fr, err := s.Frozen(ctx, t, l)
	if err != nil {
		return nil, err
	}
	var items []Item
	for _, it := range fr.Items {
		if it.AIP == aipID {
			items = append(items, it)
		}
	}
	if len(items) == 0 {
		return nil, earkiv.Invalid("AIP %s finns inte på listan", aipID)
	}
	l, err = s.update(ctx, t.ID, id, "undantag av "+by, func(l *List) error {
		if l.State != Proposed {
			return fmt.Errorf("%w: listan är %s, undantag görs före attest", ErrState, l.State)
		}
		if _, ok := l.Excluded(aipID); ok {
			return earkiv.Invalid("AIP %s är redan undantagen", aipID)
		}
		l.Exclusions = append(l.Exclusions, Exclusion{AIP: aipID, Reason: reason, Postpone: postpone, By: by, At: s.cfg.Now().UTC()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The records' outcome beside the plan, which re-evaluation keeps.
	var ov catalog.Overrides
	for _, it := range items {
		o := ihp.Outcome{Outcome: ihp.Bevaras, Basis: it.Basis}
		o.Basis.Decision = fmt.Sprintf("undantagen ur gallringslista %s av %s: %s", id, by, reason)
		if postpone != "" {
			o = ihp.Outcome{Outcome: ihp.Gallras, Date: postpone, Basis: it.Basis}
			o.Basis.Decision = fmt.Sprintf("uppskjuten till %s i gallringslista %s av %s: %s", postpone, id, by, reason)
		}
		ov.Overrides = append(ov.Overrides, catalog.Override{AIP: it.AIP, Case: it.Case, Document: it.Document, Outcome: o})
	}
	data, err := json.Marshal(ov)
	if err != nil {
		return nil, err
	}
	seq, err := s.cfg.Events.PublishSeq(ctx, earkiv.Event{Tenant: t.ID, Type: earkiv.RetentionOverride, AIPID: aipID, Outcome: earkiv.Success,
		Detail: fmt.Sprintf("%d poster undantagna ur gallringslista %s", len(items), id), Data: data})
	if err != nil {
		return l, fmt.Errorf("list %s: override event: %w", id, err)
	}
	if err := s.waitCatalog(ctx, seq); err != nil || s.cfg.Reapply == nil {
		return l, err
	}
	// The records' outcomes and locks follow the exclusion now.
	if err := s.cfg.Reapply(ctx, t); err != nil {
		return l, fmt.Errorf("list %s: the exclusion is recorded; its outcome follows at the next re-evaluation: %w", id, err)
	}
	want := ov.Overrides[0]
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for wctx.Err() == nil {
		recs, err := s.cfg.Catalog.Retention(wctx, t.ID, aipID)
		if err == nil && slices.ContainsFunc(recs, func(r catalog.Record) bool {
			return r.Case == want.Case && r.Document == want.Document && r.Outcome == want.Outcome
		}) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return l, nil
}

// Attest approves a proposed list. The attestant must be another person
// than the proposer, by identity: one person holding both roles still
// cannot attest their own list. Execution may start once the tenant's
// ångerfrist has passed.
func (s *Service) Attest(ctx context.Context, t *tenant.Tenant, id, by string) (*List, error) {
	cool, err := t.CoolingOffPeriod()
	if err != nil {
		return nil, err
	}
	return s.update(ctx, t.ID, id, "attesterad av "+by, func(l *List) error {
		if l.State != Proposed {
			return fmt.Errorf("%w: listan är %s", ErrState, l.State)
		}
		if l.Proposer == by {
			return ErrOwnList
		}
		now := s.cfg.Now().UTC()
		l.State, l.Attestant, l.Attested = Attested, by, now
		l.CoolingOff = cmp.Or(t.CoolingOff, tenant.DefaultCoolingOff)
		l.Executable = cool.AddTo(now)
		return nil
	})
}

// Reject sends a proposed list back with a comment; it stays proposed,
// to be changed and attested, or cancelled.
func (s *Service) Reject(ctx context.Context, t *tenant.Tenant, id, by, reason string) (*List, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, earkiv.Invalid("en återförvisning behöver en kommentar")
	}
	return s.update(ctx, t.ID, id, "återförvisad av "+by+": "+reason, func(l *List) error {
		if l.State != Proposed {
			return fmt.Errorf("%w: listan är %s", ErrState, l.State)
		}
		if l.Proposer == by {
			return ErrOwnList
		}
		l.Rejections = append(l.Rejections, Comment{By: by, At: s.cfg.Now().UTC(), Text: reason})
		return nil
	})
}

// Cancel ends a list that has not started executing.
func (s *Service) Cancel(ctx context.Context, t *tenant.Tenant, id, by, reason string) (*List, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, earkiv.Invalid("att avbryta en lista kräver ett skäl")
	}
	return s.update(ctx, t.ID, id, "avbruten av "+by+": "+reason, func(l *List) error {
		if l.State != Proposed && l.State != Attested {
			return fmt.Errorf("%w: listan är %s och kan inte avbrytas", ErrState, l.State)
		}
		l.State, l.Cancel = Cancelled, &Comment{By: by, At: s.cfg.Now().UTC(), Text: reason}
		return nil
	})
}

// retry is storage.Retry.
var retry = storage.Retry

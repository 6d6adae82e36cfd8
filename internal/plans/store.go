package plans

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ihp"
	"github.com/earkiv/earkiv/internal/kvrec"
)

// MaxSource bounds an imported plan file: plans are tables of rules, and
// the version travels in one event.
const MaxSource = 512 << 10

// Errors a person can act on.
var (
	ErrNotFound  = errors.New("ingen sådan planversion")
	ErrNotDraft  = errors.New("versionen är inte ett utkast")
	ErrConflict  = errors.New("planen ändrades samtidigt av någon annan; försök igen")
	ErrBadSource = errors.New("planfilen kunde inte läsas")
)

// Events publishes events; queue.Client is one.
type Events interface {
	Publish(ctx context.Context, e earkiv.Event) error
}

// Store reads and changes plan versions.
type Store struct {
	// KV is the tenant's retention bucket (queue.Client.Retention).
	KV     func(ctx context.Context, tenant string) (jetstream.KeyValue, error)
	Events Events
	Now    func() time.Time
}

func key(id string) string { return "plan." + id }

// List returns the tenant's versions by number.
func (s *Store) List(ctx context.Context, tenant string) ([]*Version, error) {
	kv, err := s.KV(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out, err := kvrec.List[Version](ctx, kv, "plan.")
	if err != nil {
		return nil, fmt.Errorf("plans of %s: %w", tenant, err)
	}
	return Sorted(out), nil
}

// Get returns one version.
func (s *Store) Get(ctx context.Context, tenant, id string) (*Version, error) {
	kv, err := s.KV(ctx, tenant)
	if err != nil {
		return nil, err
	}
	v, _, err := s.get(ctx, kv, id)
	return v, err
}

func (s *Store) get(ctx context.Context, kv jetstream.KeyValue, id string) (*Version, uint64, error) {
	if !validID(id) {
		return nil, 0, fmt.Errorf("%q: %w", id, ErrNotFound)
	}
	v, rev, err := kvrec.Get[Version](ctx, kv, key(id))
	if errors.Is(err, kvrec.ErrNotFound) {
		return nil, 0, fmt.Errorf("%s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("plan %s: %w", id, err)
	}
	return v, rev, nil
}

func validID(id string) bool {
	if len(id) < 2 || len(id) > 12 || id[0] != 'v' {
		return false
	}
	for _, r := range id[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Import parses a plan file into a new utkast, numbered after the last
// version. Two imports at once each get their own number.
func (s *Store) Import(ctx context.Context, tenant, by, name string, data []byte) (*Version, error) {
	if len(data) > MaxSource {
		return nil, fmt.Errorf("%w: %s är större än %d KiB", ErrBadSource, name, MaxSource>>10)
	}
	rules, err := ihp.Parse(name, data)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	kv, err := s.KV(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for range 20 {
		vs, err := s.List(ctx, tenant)
		if err != nil {
			return nil, err
		}
		n := 1
		if len(vs) > 0 {
			n = vs[len(vs)-1].Number + 1
		}
		v := &Version{Tenant: tenant, ID: VersionID(n), Number: n, State: Draft, Rules: rules, Source: name,
			SourceSHA256: hex.EncodeToString(sum[:]), Created: s.Now().UTC(), CreatedBy: by}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		if _, err := kv.Create(ctx, key(v.ID), b); errors.Is(err, jetstream.ErrKeyExists) {
			continue // another import took the number
		} else if err != nil {
			return nil, fmt.Errorf("plan %s of %s: %w", v.ID, tenant, err)
		}
		return v, s.publish(ctx, earkiv.PlanImported, v, by, fmt.Sprintf("%s importerad från %s (%d regler)", v.ID, name, len(rules)))
	}
	return nil, ErrConflict
}

// Activate fastställer an utkast, valid from day from (empty: today). The
// version in force before it becomes upphörd from that day. The update is
// revision-checked: two people activating at once cannot both succeed.
func (s *Store) Activate(ctx context.Context, tenant, id, by, from string) (*Version, error) {
	today := Day(s.Now())
	if from == "" {
		from = today
	}
	if _, err := time.Parse(time.DateOnly, from); err != nil {
		return nil, earkiv.Invalid("giltig från %q: ange ett datum ÅÅÅÅ-MM-DD", from)
	}
	kv, err := s.KV(ctx, tenant)
	if err != nil {
		return nil, err
	}
	v, rev, err := s.get(ctx, kv, id)
	if err != nil {
		return nil, err
	}
	if v.State != Draft {
		return nil, fmt.Errorf("%s är %s: %w", id, v.State, ErrNotDraft)
	}
	if len(v.Rules) == 0 {
		return nil, earkiv.Invalid("%s har inga regler och kan inte fastställas", id)
	}
	v.State, v.ValidFrom, v.Activated, v.ActivatedBy = Active, from, s.Now().UTC(), by
	if err := s.put(ctx, kv, v, rev); err != nil {
		return nil, err
	}
	// Versions valid before from end where this one begins; one valid
	// later than from stays: it takes over from this one on its own day.
	vs, err := s.List(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for _, o := range vs {
		if o.ID == v.ID || o.State != Active || o.ValidFrom > from {
			continue
		}
		_, orev, err := s.get(ctx, kv, o.ID)
		if err != nil {
			return nil, err
		}
		o.State, o.EndedOn, o.SucceededBy = Ended, from, v.ID
		if err := s.put(ctx, kv, o, orev); err != nil {
			return nil, err
		}
		if err := s.publish(ctx, earkiv.PlanActivated, o, by, fmt.Sprintf("%s upphör %s, ersätts av %s", o.ID, from, v.ID)); err != nil {
			return nil, err
		}
	}
	return v, s.publish(ctx, earkiv.PlanActivated, v, by, fmt.Sprintf("%s fastställd, gäller från %s", v.ID, from))
}

// SetArchived records the AIP that keeps a fastställd version.
func (s *Store) SetArchived(ctx context.Context, tenant, id, aipID string) (*Version, error) {
	kv, err := s.KV(ctx, tenant)
	if err != nil {
		return nil, err
	}
	v, rev, err := s.get(ctx, kv, id)
	if err != nil {
		return nil, err
	}
	if v.AIPID == aipID {
		return v, nil
	}
	v.AIPID = aipID
	if err := s.put(ctx, kv, v, rev); err != nil {
		return nil, err
	}
	return v, s.publish(ctx, earkiv.PlanActivated, v, "", fmt.Sprintf("%s arkiverad som AIP %s", v.ID, aipID))
}

func (s *Store) put(ctx context.Context, kv jetstream.KeyValue, v *Version, rev uint64) error {
	if _, err := kvrec.Update(ctx, kv, key(v.ID), v, rev); err != nil {
		if errors.Is(err, kvrec.ErrChanged) {
			return ErrConflict
		}
		return fmt.Errorf("plan %s: %w", v.ID, err)
	}
	return nil
}

func (s *Store) publish(ctx context.Context, typ earkiv.EventType, v *Version, by, detail string) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if by != "" {
		detail += " av " + by
	}
	if err := s.Events.Publish(ctx, earkiv.Event{Tenant: v.Tenant, Type: typ, Outcome: earkiv.Success, Detail: detail, Data: data}); err != nil {
		return fmt.Errorf("plan %s: event: %w", v.ID, err)
	}
	return nil
}

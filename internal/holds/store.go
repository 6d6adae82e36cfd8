package holds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/kvrec"
)

// Errors a person can act on.
var (
	ErrNotFound = errors.New("inget sådant gallringsstopp")
	ErrLifted   = errors.New("gallringsstoppet är redan hävt")
)

// Events publishes events; queue.Client is one.
type Events interface {
	Publish(ctx context.Context, e earkiv.Event) error
}

// Store keeps holds in the tenant's retention bucket, each change an event.
type Store struct {
	KV     func(ctx context.Context, tenant string) (jetstream.KeyValue, error)
	Events Events
	Now    func() time.Time
}

func key(id string) string { return "hold." + id }

// Place stores a new hold and announces it.
func (s *Store) Place(ctx context.Context, h *Hold) error {
	kv, err := s.KV(ctx, h.Tenant)
	if err != nil {
		return err
	}
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if _, err := kv.Create(ctx, key(h.ID), b); err != nil {
		return fmt.Errorf("hold %s of %s: %w", h.ID, h.Tenant, err)
	}
	return s.publish(ctx, earkiv.HoldPlaced, h, fmt.Sprintf("gallringsstopp %s på %s: %s", h.ID, h.Scope, h.Reason))
}

// Lift ends an active hold with a reason, once: the update is
// revision-checked, so a second lift finds it lifted.
func (s *Store) Lift(ctx context.Context, tenant, id, by, reason string) (*Hold, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, earkiv.Invalid("att häva ett gallringsstopp kräver ett skäl")
	}
	kv, err := s.KV(ctx, tenant)
	if err != nil {
		return nil, err
	}
	h, rev, err := s.get(ctx, kv, id)
	if err != nil {
		return nil, err
	}
	if !h.Active() {
		return nil, ErrLifted
	}
	h.Lifted, h.LiftedBy, h.LiftNote = s.Now().UTC(), by, reason
	if _, err := kvrec.Update(ctx, kv, key(id), h, rev); err != nil {
		if errors.Is(err, kvrec.ErrChanged) {
			return nil, ErrLifted
		}
		return nil, fmt.Errorf("hold %s: %w", id, err)
	}
	return h, s.publish(ctx, earkiv.HoldLifted, h, fmt.Sprintf("gallringsstopp %s hävt: %s", h.ID, reason))
}

// Get returns one hold.
func (s *Store) Get(ctx context.Context, tenant, id string) (*Hold, error) {
	kv, err := s.KV(ctx, tenant)
	if err != nil {
		return nil, err
	}
	h, _, err := s.get(ctx, kv, id)
	return h, err
}

func (s *Store) get(ctx context.Context, kv jetstream.KeyValue, id string) (*Hold, uint64, error) {
	if uuid.Validate(id) != nil {
		return nil, 0, fmt.Errorf("%q: %w", id, ErrNotFound)
	}
	h, rev, err := kvrec.Get[Hold](ctx, kv, key(id))
	if errors.Is(err, kvrec.ErrNotFound) {
		return nil, 0, fmt.Errorf("%s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("hold %s: %w", id, err)
	}
	return h, rev, nil
}

// List returns the tenant's holds, newest first.
func (s *Store) List(ctx context.Context, tenant string) ([]*Hold, error) {
	kv, err := s.KV(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out, err := kvrec.List[Hold](ctx, kv, "hold.")
	if err != nil {
		return nil, fmt.Errorf("holds of %s: %w", tenant, err)
	}
	slices.SortFunc(out, func(a, b *Hold) int { return b.Placed.Compare(a.Placed) })
	return out, nil
}

// Active returns the tenant's active holds.
func (s *Store) Active(ctx context.Context, tenant string) ([]*Hold, error) {
	all, err := s.List(ctx, tenant)
	return slices.DeleteFunc(all, func(h *Hold) bool { return !h.Active() }), err
}

func (s *Store) publish(ctx context.Context, typ earkiv.EventType, h *Hold, detail string) error {
	data, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := s.Events.Publish(ctx, earkiv.Event{Tenant: h.Tenant, Type: typ, Outcome: earkiv.Success, Detail: detail, Data: data}); err != nil {
		return fmt.Errorf("hold %s: event: %w", h.ID, err)
	}
	return nil
}

package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ids"
)

// Publish records an event on the event stream (and waits for it to be stored).
func (c *Client) Publish(ctx context.Context, e earkiv.Event) error {
	_, err := c.PublishSeq(ctx, e)
	return err
}

// PublishSeq is Publish returning the event's stream sequence, so the
// caller can wait for a projection to have applied it.
func (c *Client) PublishSeq(ctx context.Context, e earkiv.Event) (uint64, error) {
	msg, err := eventMsg(&e)
	if err != nil {
		return 0, err
	}
	ack, err := c.js.PublishMsg(ctx, msg, jetstream.WithMsgID(e.ID))
	if err != nil {
		return 0, fmt.Errorf("event %s for %s: %w", e.Type, e.Tenant, err)
	}
	return ack.Sequence, nil
}

// PublishAsync records an event without waiting; the future says when it is
// stored. Events published through one client are stored in the order they
// were published, synchronous or not, so a worker can send several and wait
// once.
func (c *Client) PublishAsync(e earkiv.Event) (*Future, error) {
	msg, err := eventMsg(&e)
	if err != nil {
		return nil, err
	}
	f, err := c.js.PublishMsgAsync(msg, jetstream.WithMsgID(e.ID))
	if err != nil {
		return nil, fmt.Errorf("event %s for %s: %w", e.Type, e.Tenant, err)
	}
	return &Future{f: f}, nil
}

// Future is an event published without waiting.
type Future struct {
	f jetstream.PubAckFuture
}

// Stored is the event stream's answer to a publish.
type Stored struct {
	Seq       uint64 // the event's sequence in the stream
	Duplicate bool   // an event of the same id was stored before; this one was dropped
}

// Wait waits until the event is stored or refused, or ctx ends.
func (f *Future) Wait(ctx context.Context) (Stored, error) {
	select {
	case a := <-f.f.Ok():
		return Stored{Seq: a.Sequence, Duplicate: a.Duplicate}, nil
	case err := <-f.f.Err():
		return Stored{}, err
	case <-ctx.Done():
		return Stored{}, ctx.Err()
	}
}

// eventMsg fills in an event's id and time and encodes it.
func eventMsg(e *earkiv.Event) (*nats.Msg, error) {
	if e.ID == "" {
		e.ID = uuid.NewString()
	}
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	data, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("event %s for %s: %w", e.Type, e.Tenant, err)
	}
	return &nats.Msg{Subject: EventSubject(e.Tenant, e.Type), Data: data}, nil
}

// DecodeEvent reads an event message.
func DecodeEvent(m jetstream.Msg) (earkiv.Event, error) {
	var e earkiv.Event
	if err := json.Unmarshal(m.Data(), &e); err != nil {
		return e, fmt.Errorf("event on %s: %w", m.Subject(), err)
	}
	if md, err := m.Metadata(); err == nil {
		e.Seq, e.Pending = md.Sequence.Stream, md.NumPending
	}
	return e, nil
}

// FollowEvents calls fn for each event of tenant ("" = all) from sequence
// start (0 = only new ones) until ctx ends or fn fails.
func (c *Client) FollowEvents(ctx context.Context, tenant string, start uint64, fn func(earkiv.Event) error) error {
	return c.followEvents(ctx, tenant, start, false, fn)
}

// ReadEvents is FollowEvents that returns once it has caught up with the
// events stored when it started.
func (c *Client) ReadEvents(ctx context.Context, tenant string, start uint64, fn func(earkiv.Event) error) error {
	return c.followEvents(ctx, tenant, start, true, fn)
}

func (c *Client) followEvents(ctx context.Context, tenant string, start uint64, stopAtEnd bool, fn func(earkiv.Event) error) error {
	filter := "earkiv.events.>"
	if tenant != "" {
		if err := ids.Tenant(tenant); err != nil {
			return fmt.Errorf("follow events: %w", err)
		}
		filter = "earkiv.events." + tenant + ".>"
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}, DeliverPolicy: jetstream.DeliverNewPolicy}
	if start > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, start
	}
	cons, err := c.js.OrderedConsumer(ctx, StreamEvents, cfg)
	if err != nil {
		return fmt.Errorf("follow events: %w", err)
	}
	if stopAtEnd {
		info, err := cons.Info(ctx)
		if err != nil {
			return fmt.Errorf("read events: %w", err)
		}
		if info.NumPending == 0 {
			return nil
		}
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("follow events: %w", err)
	}
	// The iterator stops when ctx ends (Next returns) and whenever this
	// returns, fn's error or the end of the stream included.
	unwatch := context.AfterFunc(ctx, it.Stop)
	defer func() { unwatch(); it.Stop() }()
	for {
		m, err := it.Next()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("follow events: %w", err)
		}
		e, err := DecodeEvent(m)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
		if md, err := m.Metadata(); stopAtEnd && err == nil && md.NumPending == 0 {
			return nil
		}
	}
}

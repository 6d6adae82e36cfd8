package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/earkiv/earkiv/internal/earkiv"
)

// Enqueue publishes an ingest request on its tenant's subject. The
// submission id is the message id, so JetStream drops a repeated request
// (a producer retrying a submission it is unsure went through).
func (c *Client) Enqueue(ctx context.Context, req *earkiv.Request) error {
	if err := c.MayActFor(req.Tenant); err != nil {
		return err
	}
	data, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("ingest request: %w", err)
	}
	msg := &nats.Msg{Subject: IngestSubject(req.Tenant), Data: data, Header: nats.Header{}}
	if _, err := c.js.PublishMsg(ctx, msg, jetstream.WithMsgID(req.SubmissionID), jetstream.WithExpectStream(StreamIngest)); err != nil {
		return err
	}
	return nil
}

// WorkQueue is the durable consumer all workers share.
type WorkQueue struct {
	cons jetstream.Consumer
}

// WorkQueue binds the shared consumer; only the service login may.
func (c *Client) WorkQueue(ctx context.Context) (*WorkQueue, error) {
	cons, err := c.js.Consumer(ctx, StreamIngest, Consumer)
	if err != nil {
		return nil, err
	}
	return &WorkQueue{cons: cons}, nil
}

// MaxDeliver is how many times a request is delivered before it is given
// up (0: without end), as the consumer was set up.
func (q *WorkQueue) MaxDeliver() int { return q.cons.CachedInfo().Config.MaxDeliver }

// Next waits up to wait, or until ctx ends, for the next request; nil if
// none came.
func (q *WorkQueue) Next(ctx context.Context, wait time.Duration) (*Delivery, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	batch, err := q.cons.Fetch(1, jetstream.FetchContext(ctx))
	if err != nil {
		return nil, err
	}
	var d *Delivery
	for m := range batch.Messages() {
		d = newDelivery(m)
	}
	return d, nil
}

// Delivery is one delivery of an ingest request. The worker settles it
// exactly once: Ack when its receipt is stored, Nak to have it again
// later, Term when it is given up.
type Delivery struct {
	m jetstream.Msg
	// Tenant is the tenant whose subject the request came on: the tenant
	// whose producer sent it, whatever the request says.
	Tenant string
	// Data is the request as it came.
	Data []byte
	// Delivered counts this delivery, 1 for the first.
	Delivered uint64
}

func newDelivery(m jetstream.Msg) *Delivery {
	d := &Delivery{m: m, Tenant: strings.TrimPrefix(m.Subject(), "earkiv.ingest."), Data: m.Data(), Delivered: 1}
	if md, _ := m.Metadata(); md != nil {
		d.Delivered = md.NumDelivered
	}
	return d
}

// Ack settles the request as done.
func (d *Delivery) Ack() error { return d.m.Ack() }

// Nak has the request delivered again after delay.
func (d *Delivery) Nak(delay time.Duration) error { return d.m.NakWithDelay(delay) }

// Term gives the request up: it is not delivered again.
func (d *Delivery) Term() error { return d.m.Term() }

// InProgress keeps the request this worker's for another AckWait.
func (d *Delivery) InProgress() error { return d.m.InProgress() }

// Backlog is the state of the work queue.
type Backlog struct {
	Pending uint64 // waiting for a worker
	Unacked uint64 // delivered, not yet settled
}

// Backlog reads the work queue's state (one request to the server).
func (c *Client) Backlog(ctx context.Context) (Backlog, error) {
	cons, err := c.js.Consumer(ctx, StreamIngest, Consumer)
	if err != nil {
		return Backlog{}, err
	}
	ci := cons.CachedInfo()
	return Backlog{Pending: ci.NumPending, Unacked: uint64(ci.NumAckPending)}, nil
}

package accesslog

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Config is what a Log needs. Appending needs only Queue; checkpoints and
// Verify also the tenants, their buckets and the key.
type Config struct {
	Queue    *queue.Client
	Tenants  func() *tenant.Registry
	Place    placement.Placement
	Signer   note.Signer   // checkpoints (nil: Checkpoint refuses)
	Verifier note.Verifier // checkpoints' signatures
	Now      func() time.Time
}

// Log appends to, checkpoints, verifies and exports tenants' access logs.
// It is safe for concurrent use; several Logs, in one process or many,
// may append to the same tenant's log.
type Log struct {
	cfg   Config
	mu    sync.Mutex
	heads map[string]*chain
}

// New makes a Log.
func New(cfg Config) *Log {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Log{cfg: cfg, heads: map[string]*chain{}}
}

// chain is one tenant's appends. Appends wait in pending; whoever holds
// write publishes all that wait as one atomic batch (group commit), so
// concurrent callers share a round trip instead of queueing for one each.
type chain struct {
	write chan struct{} // held (full) by the one publishing
	// head is the last entry stored, as far as this Log knows; write
	// must be held. known is false until it is read from the stream.
	known bool
	n     uint64
	hash  tlog.Hash
	seq   uint64

	pmu     sync.Mutex
	pending []*request // pmu must be held
}

// request is one caller's entries, waiting for their turn.
type request struct {
	entries []Entry
	done    chan struct{} // closed when last and err are set
	last    uint64        // n of the request's last entry
	err     error
}

func (l *Log) chain(tenant string) *chain {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.heads[tenant]
	if !ok {
		c = &chain{write: make(chan struct{}, 1)}
		l.heads[tenant] = c
	}
	return c
}

// Append logs e and returns its index n once JetStream has stored it (it
// then survives a crash of this process). e.Time defaults to now; n, prev
// and the hash are set here. An error means the entry may or may not be
// stored: a caller that must know runs Verify or reads the log.
func (l *Log) Append(ctx context.Context, e Entry) (uint64, error) {
	_, last, err := l.AppendBatch(ctx, []Entry{e})
	return last, err
}

// AppendBatch logs entries, all of the same tenant, in order, and returns
// the indexes of the first and the last once all are stored. Up to
// queue.MaxAccessBatch entries are stored all or none; a longer batch is
// stored in parts, each returned error saying how far it got through last.
func (l *Log) AppendBatch(ctx context.Context, entries []Entry) (first, last uint64, err error) {
	if len(entries) == 0 {
		return 0, 0, errors.New("access log: no entries")
	}
	t := entries[0].Tenant
	for i := range entries {
		e := &entries[i]
		if e.Tenant != t {
			return 0, 0, fmt.Errorf("access log: one batch holds tenants %s and %s", t, e.Tenant)
		}
		if err := e.check(); err != nil {
			return 0, 0, err
		}
		if e.Time.IsZero() {
			e.Time = l.cfg.Now()
		}
		e.Time = e.Time.UTC()
	}
	c := l.chain(t)
	for len(entries) > 0 {
		part := entries[:min(len(entries), queue.MaxAccessBatch)]
		entries = entries[len(part):]
		n, err := l.append(ctx, c, t, part)
		if err != nil {
			return first, last, err
		}
		if first == 0 {
			first = n - uint64(len(part)) + 1
		}
		last = n
	}
	return first, last, nil
}

// append queues entries and waits until they are stored, publishing
// itself when no one else is.
func (l *Log) append(ctx context.Context, c *chain, tenant string, entries []Entry) (uint64, error) {
	r := &request{entries: entries, done: make(chan struct{})}
	c.pmu.Lock()
	c.pending = append(c.pending, r)
	c.pmu.Unlock()
	for {
		select {
		case <-r.done:
			return r.last, r.err
		case c.write <- struct{}{}:
			select {
			case <-r.done: // a publisher before took it
			default:
				l.publishPending(ctx, c, tenant)
			}
			<-c.write
		case <-ctx.Done():
			c.pmu.Lock()
			for i, p := range c.pending {
				if p == r {
					c.pending = append(c.pending[:i], c.pending[i+1:]...)
					c.pmu.Unlock()
					return 0, ctx.Err()
				}
			}
			c.pmu.Unlock()
			<-r.done // being published: its publisher's context bounds the wait
			return r.last, r.err
		}
	}
}

// publishPending publishes what waits, up to one atomic batch, and tells
// each request how it went. c.write must be held.
func (l *Log) publishPending(ctx context.Context, c *chain, tenant string) {
	c.pmu.Lock()
	var take []*request
	size := 0
	for len(c.pending) > 0 && size+len(c.pending[0].entries) <= queue.MaxAccessBatch {
		take = append(take, c.pending[0])
		size += len(c.pending[0].entries)
		c.pending = c.pending[1:]
	}
	c.pmu.Unlock()
	if len(take) == 0 {
		return
	}
	batch := make([]*Entry, 0, size)
	for _, r := range take {
		for i := range r.entries {
			batch = append(batch, &r.entries[i])
		}
	}
	err := l.publish(ctx, c, tenant, batch)
	for _, r := range take {
		r.err = err
		if err == nil {
			r.last = r.entries[len(r.entries)-1].N
		}
		close(r.done)
	}
}

// publish chains batch onto the head and stores it, re-reading the head
// and chaining again while another writer gets there first. c.write must
// be held.
func (l *Log) publish(ctx context.Context, c *chain, tenant string, batch []*Entry) error {
	data := make([][]byte, len(batch))
	for {
		if !c.known {
			if err := l.readHead(ctx, c, tenant); err != nil {
				return err
			}
		}
		n, prev := c.n, c.hash
		for i, e := range batch {
			n++
			e.N, e.Prev = n, prev
			b, err := e.encode()
			if err != nil {
				return err
			}
			data[i], prev = b, e.Hash
		}
		seq, err := l.cfg.Queue.AppendAccess(ctx, tenant, c.seq, data)
		if errors.Is(err, queue.ErrAccessConflict) {
			c.known = false
			continue
		}
		if err != nil {
			// Unknown whether it was stored: read the head again next time.
			c.known = false
			return err
		}
		c.n, c.hash, c.seq = n, prev, seq
		return nil
	}
}

// readHead reads tenant's last stored entry into c. c.write must be held.
func (l *Log) readHead(ctx context.Context, c *chain, tenant string) error {
	m, ok, err := l.cfg.Queue.LastAccess(ctx, tenant)
	if err != nil {
		return err
	}
	if !ok {
		c.known, c.n, c.hash, c.seq = true, 0, tlog.Hash{}, 0
		return nil
	}
	e, intact, err := decode(m.Data)
	if err != nil || !intact {
		return fmt.Errorf("access log of %s: the last entry (stream sequence %d) is damaged; run earkiv accesslog verify (%v)", tenant, m.Seq, err)
	}
	c.known, c.n, c.hash, c.seq = true, e.N, e.Hash, m.Seq
	return nil
}

package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
)

// AccessMsg is one stored access log entry: its bytes as appended and its
// sequence in StreamAccess.
type AccessMsg struct {
	Seq  uint64
	Data []byte
}

// ErrAccessConflict says another writer appended to the tenant's access
// log since lastSeq: the caller re-reads the head and tries again.
var ErrAccessConflict = errors.New("access log: another writer appended first")

// MaxAccessBatch is the most entries AppendAccess takes at once: the
// server's default limit on an atomic batch.
const MaxAccessBatch = 1000

// mayWriteAccess refuses producer connections before the server does: a
// producer has no permission on the access log, its own tenant's included.
func (c *Client) mayWriteAccess(tenant string) error {
	if err := c.MayActFor(tenant); err != nil {
		return err
	}
	if c.tenant != "" {
		return fmt.Errorf("access log of %s: a producer may not touch it", tenant)
	}
	return nil
}

// LastAccess is tenant's last access log entry; ok is false for an empty log.
func (c *Client) LastAccess(ctx context.Context, tenant string) (m AccessMsg, ok bool, err error) {
	if err := c.mayWriteAccess(tenant); err != nil {
		return AccessMsg{}, false, err
	}
	s, err := c.js.Stream(ctx, StreamAccess)
	if err != nil {
		return AccessMsg{}, false, fmt.Errorf("access log stream: %w", err)
	}
	raw, err := s.GetLastMsgForSubject(ctx, AccessSubject(tenant))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return AccessMsg{}, false, nil
	}
	if err != nil {
		return AccessMsg{}, false, fmt.Errorf("last access log entry of %s: %w", tenant, err)
	}
	return AccessMsg{Seq: raw.Sequence, Data: raw.Data}, true, nil
}

// AppendAccess stores entries as tenant's next access log entries, in
// order, all or none, and only if the tenant's last stored entry is still
// the one at lastSeq (0: the log is empty); otherwise it returns
// ErrAccessConflict and stores nothing. It returns once JetStream has
// stored them, with the sequence of the last. Several entries go as one
// atomic batch, so a second writer can neither interleave nor fork them.
func (c *Client) AppendAccess(ctx context.Context, tenant string, lastSeq uint64, entries [][]byte) (uint64, error) {
	if err := c.mayWriteAccess(tenant); err != nil {
		return 0, err
	}
	switch {
	case len(entries) == 0:
		return lastSeq, nil
	case len(entries) > MaxAccessBatch:
		return 0, fmt.Errorf("access log of %s: %d entries at once, at most %d", tenant, len(entries), MaxAccessBatch)
	case len(entries) == 1:
		m := nats.NewMsg(AccessSubject(tenant))
		m.Data = entries[0]
		ack, err := c.js.PublishMsg(ctx, m, jetstream.WithExpectStream(StreamAccess), jetstream.WithExpectLastSequencePerSubject(lastSeq))
		if err != nil {
			return 0, accessErr(tenant, err)
		}
		return ack.Sequence, nil
	}
	id := nuid.Next()
	last := len(entries) - 1
	for i, d := range entries {
		m := nats.NewMsg(AccessSubject(tenant))
		m.Data = d
		m.Header.Set("Nats-Batch-Id", id)
		m.Header.Set("Nats-Batch-Sequence", strconv.Itoa(i+1))
		if i == 0 {
			m.Header.Set(jetstream.ExpectedStreamHeader, StreamAccess)
			m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(lastSeq, 10))
		}
		if i < last {
			if err := c.nc.PublishMsg(m); err != nil {
				return 0, fmt.Errorf("access log of %s: %w", tenant, err)
			}
			continue
		}
		m.Header.Set("Nats-Batch-Commit", "1")
		resp, err := c.nc.RequestMsgWithContext(ctx, m)
		if err != nil {
			return 0, fmt.Errorf("access log of %s: commit %d entries: %w", tenant, len(entries), err)
		}
		var ack struct {
			Seq   uint64              `json:"seq"`
			Count int                 `json:"count"`
			Error *jetstream.APIError `json:"error"`
		}
		if err := json.Unmarshal(resp.Data, &ack); err != nil {
			return 0, fmt.Errorf("access log of %s: commit reply %q: %w", tenant, resp.Data, err)
		}
		if ack.Error != nil {
			return 0, accessErr(tenant, ack.Error)
		}
		if ack.Count != len(entries) {
			return 0, fmt.Errorf("access log of %s: %d entries committed of %d", tenant, ack.Count, len(entries))
		}
		return ack.Seq, nil
	}
	panic("unreachable")
}

// accessErr turns a wrong-last-sequence refusal into ErrAccessConflict.
func accessErr(tenant string, err error) error {
	var api *jetstream.APIError
	if errors.As(err, &api) && (api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant) {
		return fmt.Errorf("%w (%s): %v", ErrAccessConflict, tenant, err)
	}
	return fmt.Errorf("access log of %s: %w", tenant, err)
}

// ReadAccess yields tenant's access log entries from the stream sequence
// from on (0 or 1: all), up to the last stored when it starts.
func (c *Client) ReadAccess(ctx context.Context, tenant string, from uint64) iter.Seq2[AccessMsg, error] {
	return func(yield func(AccessMsg, error) bool) {
		last, ok, err := c.LastAccess(ctx, tenant)
		if err != nil {
			yield(AccessMsg{}, err)
			return
		}
		if !ok || last.Seq < from {
			return
		}
		cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{AccessSubject(tenant)}}
		if from > 1 {
			cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, from
		}
		cons, err := c.js.OrderedConsumer(ctx, StreamAccess, cfg)
		if err != nil {
			yield(AccessMsg{}, fmt.Errorf("read access log of %s: %w", tenant, err))
			return
		}
		it, err := cons.Messages(jetstream.PullMaxMessages(1000))
		if err != nil {
			yield(AccessMsg{}, fmt.Errorf("read access log of %s: %w", tenant, err))
			return
		}
		defer it.Stop()
		stop := context.AfterFunc(ctx, it.Stop) // Next does not take a context
		defer stop()
		for {
			m, err := it.Next()
			if err != nil {
				if ctx.Err() != nil {
					err = ctx.Err()
				}
				yield(AccessMsg{}, fmt.Errorf("read access log of %s: %w", tenant, err))
				return
			}
			md, err := m.Metadata()
			if err != nil {
				yield(AccessMsg{}, fmt.Errorf("read access log of %s: %w", tenant, err))
				return
			}
			if !yield(AccessMsg{Seq: md.Sequence.Stream, Data: m.Data()}, nil) || md.Sequence.Stream >= last.Seq {
				return
			}
		}
	}
}

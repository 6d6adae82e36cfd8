package pkgstore

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// pacingWindow is how far an upload may run ahead of what the server stored;
// smaller packages need no pacing.
const pacingWindow = 48 << 20

// pacedReader keeps an upload at most window bytes ahead of what the
// server has stored. The object store publishes chunks without waiting for
// acknowledgements; a producer reading from a fast disk would otherwise fill
// the stream's ingest queue (128 MiB by default) and be refused with 429.
type pacedReader struct {
	ctx      context.Context
	r        io.Reader
	stream   jetstream.Stream
	base     uint64
	sent     uint64
	window   uint64
	nextPoll uint64
}

func newPacedReader(ctx context.Context, r io.Reader, s jetstream.Stream) (*pacedReader, error) {
	info, err := s.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("package store: %w", err)
	}
	return &pacedReader{ctx: ctx, r: r, stream: s, base: info.State.Bytes, window: pacingWindow}, nil
}

func (p *pacedReader) Read(b []byte) (int, error) {
	if p.sent >= p.nextPoll {
		for {
			info, err := p.stream.Info(p.ctx)
			if err != nil {
				return 0, fmt.Errorf("package store: %w", err)
			}
			stored := uint64(0)
			if info.State.Bytes > p.base {
				stored = info.State.Bytes - p.base
			}
			if p.sent < stored+p.window {
				p.nextPoll = stored + p.window/2
				break
			}
			select {
			case <-p.ctx.Done():
				return 0, p.ctx.Err()
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	n, err := p.r.Read(b)
	p.sent += uint64(n)
	return n, err
}

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
	stored   storedBytes
	base     uint64
	sent     uint64
	window   uint64
	nextPoll uint64
}

// storedBytes reports how many bytes the package stream holds.
type storedBytes func(context.Context) (uint64, error)

func newPacedReader(ctx context.Context, r io.Reader, s jetstream.Stream) (*pacedReader, error) {
	return pace(ctx, r, pacingWindow, func(ctx context.Context) (uint64, error) {
		info, err := s.Info(ctx)
		if err != nil {
			return 0, err
		}
		return info.State.Bytes, nil
	})
}

// pace is newPacedReader for any source of the stream's size, so the
// pacing can be tested without a server.
func pace(ctx context.Context, r io.Reader, window uint64, stored storedBytes) (*pacedReader, error) {
	base, err := stored(ctx)
	if err != nil {
		return nil, fmt.Errorf("package store: %w", err)
	}
	return &pacedReader{ctx: ctx, r: r, stored: stored, base: base, window: window}, nil
}

func (p *pacedReader) Read(b []byte) (int, error) {
	if p.sent >= p.nextPoll {
		for {
			now, err := p.stored(p.ctx)
			if err != nil {
				return 0, fmt.Errorf("package store: %w", err)
			}
			stored := uint64(0)
			if now > p.base {
				stored = now - p.base
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

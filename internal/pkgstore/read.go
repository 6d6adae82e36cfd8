package pkgstore

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/earkiv/earkiv/internal/queue"
)

// ReadOptions say how a read checks the package.
type ReadOptions struct {
	// Unhashed checks only the package's size, not its SHA-256 digest. It
	// is for a pass whose bytes the caller checks another way: ingest's
	// store pass sends every file's SHA-256 with its upload, and a package
	// ingest vouches for file by file with the producer's SHA-256 is
	// checked whole (CheckDigest) only when that fails.
	Unhashed bool
}

// Open opens a stored package for one read from its start, by Read or by
// ReadAll. The read checks the package's size and (unless o.Unhashed) its
// SHA-256 digest at the end, and fails there if either differs from what
// was stored.
//
// It reads the chunks with direct gets, a few ahead of the reader, instead
// of through a consumer: a small package is one or two requests instead of a
// consumer's set-up and tear-down, and a reader that pauses for a long time
// (an upload waiting on a slow S3) leaves no consumer waiting to time out.
func (s *Store) Open(ctx context.Context, tenant, name string, o ReadOptions) (*Reader, error) {
	obs, err := s.q.PackageStore(ctx, tenant)
	if err != nil {
		return nil, err
	}
	info, err := obs.GetInfo(ctx, name)
	if err != nil {
		return nil, err
	}
	stream, err := s.q.PackageStream(ctx, tenant)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &Reader{name: name, info: info, chunks: make(chan []byte, prefetchChunks), cancel: cancel}
	if !o.Unhashed {
		r.h = sha256.New()
	}
	go r.fetch(ctx, stream, queue.PackageChunks(tenant, info.NUID)) // ends with Close
	return r, nil
}

// prefetchChunks bounds the chunks read ahead (512 KiB each by default).
const prefetchChunks = 4

// chunkGetTimeout bounds one direct get; a timed-out get is tried again
// (chunkGetTries in all) before the read fails.
const (
	chunkGetTimeout = 10 * time.Second
	chunkGetTries   = 3
)

// Reader reads one stored package. Close stops its read ahead; every
// reader must be closed.
type Reader struct {
	name   string
	info   *jetstream.ObjectInfo
	chunks chan []byte
	err    error // set by fetch before it closes chunks
	cancel context.CancelFunc
	cur    []byte
	n      int64
	h      hash.Hash // written by digest only; nil: the digest is not checked (Unhashed)
	done   error     // the result at the end, once known
}

// Info is what the package store records of the package.
func (r *Reader) Info() Info { return infoOf(r.info) }

// fetch gets the chunks in order and hands them to the reader, through
// digest when the digest is checked. Hashing on a goroutine of its own
// rather than in the reader or here puts the digest on another core than
// whatever the reader does with the bytes (validation hashes every file
// again), and lets the next chunk be on its way while this one is hashed.
func (r *Reader) fetch(ctx context.Context, stream jetstream.Stream, subj string) {
	out := r.chunks
	if r.h != nil {
		out = make(chan []byte, cap(r.chunks))
		go r.digest(ctx, out) // ends when fetch closes out
	}
	defer close(out)
	seq := uint64(1)
	for i := uint32(0); i < r.info.Chunks; i++ {
		var m *jetstream.RawStreamMsg
		var err error
		for try := 1; ; try++ {
			gctx, cancel := context.WithTimeout(ctx, chunkGetTimeout)
			m, err = stream.GetMsg(gctx, seq, jetstream.WithGetMsgSubject(subj))
			cancel()
			if err == nil || ctx.Err() != nil || try == chunkGetTries ||
				!(errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout)) {
				break
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			r.err = fmt.Errorf("package %s chunk %d: %w", r.name, i, err)
			return
		}
		select {
		case out <- m.Data:
		case <-ctx.Done():
			r.err = ctx.Err()
			return
		}
		seq = m.Sequence + 1
	}
}

// digest adds each chunk fetch got to the digest and hands it on to the
// reader. It ends the reader's chunks once fetch has ended its own (having
// set err, if any, before).
func (r *Reader) digest(ctx context.Context, in <-chan []byte) {
	defer close(r.chunks)
	for b := range in {
		r.h.Write(b)
		select {
		case r.chunks <- b:
		case <-ctx.Done():
			for range in { // until fetch sees the cancellation too
			}
			return
		}
	}
}

// Read implements io.Reader; at the end it returns io.EOF only if the
// package read is the package stored.
func (r *Reader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.done != nil {
			return 0, r.done
		}
		b, ok := r.next()
		if !ok {
			r.done = r.finish()
			return 0, r.done
		}
		r.cur = b
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// ReadAll reads the whole package into memory, checked as Read checks
// it, and refuses at once a package whose size is not size (the size
// the ingest request gave). A package stored as one chunk comes back as
// that chunk's bytes, without a copy. It is instead of Read, not after.
func (r *Reader) ReadAll(size int64) ([]byte, error) {
	if int64(r.info.Size) != size {
		return nil, fmt.Errorf("package %s holds %d bytes, expected %d", r.name, r.info.Size, size)
	}
	var out []byte
	for {
		b, ok := r.next()
		if !ok {
			break
		}
		switch {
		case r.n > size:
			// finish reports it
		case out == nil && int64(len(b)) == size:
			out = b
		default:
			if out == nil {
				out = make([]byte, 0, size)
			}
			out = append(out, b...)
		}
	}
	if err := r.finish(); err != io.EOF {
		return nil, err
	}
	if out == nil {
		out = []byte{}
	}
	return out, nil
}

// CheckDigest compares the SHA-256 of b, the package as an Unhashed read
// returned it, with the digest the package store holds.
func (r *Reader) CheckDigest(b []byte) error {
	h := sha256.New()
	h.Write(b)
	return checkDigest(r.name, h, r.info)
}

// next takes the next chunk into the count; false at the end.
func (r *Reader) next() ([]byte, bool) {
	b, ok := <-r.chunks
	if ok {
		r.n += int64(len(b))
	}
	return b, ok
}

// finish checks the package as read against what was stored.
func (r *Reader) finish() error {
	switch {
	case r.err != nil:
		return r.err
	case r.n != int64(r.info.Size):
		return fmt.Errorf("package %s: read %d bytes, stored %d", r.name, r.n, r.info.Size)
	case r.h != nil:
		if err := checkDigest(r.name, r.h, r.info); err != nil {
			return err
		}
	}
	return io.EOF
}

// checkDigest compares the SHA-256 of a package as read (h) with the digest
// the package store holds for it.
func checkDigest(name string, h hash.Hash, info *jetstream.ObjectInfo) error {
	if got := jetstream.GetObjectDigestValue(h); got != info.Digest {
		return fmt.Errorf("package %s: digest %s, stored %s: %w", name, got, info.Digest, jetstream.ErrDigestMismatch)
	}
	return nil
}

// Close stops the read ahead and waits for it to end.
func (r *Reader) Close() error {
	r.cancel()
	for range r.chunks {
	}
	return nil
}

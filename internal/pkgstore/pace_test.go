package pkgstore

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// source gives out its bytes 10 at a time and counts them, as a disk would
// that is faster than the server.
type source struct {
	left int
	sent atomic.Int64
}

func (s *source) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	n := min(len(p), 10, s.left)
	s.left -= n
	s.sent.Add(int64(n))
	return n, nil
}

// TestPacedReader: an upload runs at most the window ahead of what the
// stream has stored since it started, goes on as the server catches up,
// asks the server every 5 ms meanwhile, and stops waiting when ctx ends or
// the server cannot say. It runs in a bubble: synctest.Wait returns once
// the reader waits for the server, so what it has read by then is exact.
func TestPacedReader(t *testing.T) {
	const base, window = 5000, 100 // bytes of other packages in the stream; the window
	type stream struct {
		bytes atomic.Uint64 // what the stream holds
		polls atomic.Int64
		err   atomic.Value // error the server answers with, if any
	}
	start := func(t *testing.T, ctx context.Context, size int) (*stream, *source, <-chan error) {
		st, src := &stream{}, &source{left: size}
		st.bytes.Store(base)
		r, err := pace(ctx, src, window, func(context.Context) (uint64, error) {
			st.polls.Add(1)
			if err, _ := st.err.Load().(error); err != nil {
				return 0, err
			}
			return st.bytes.Load(), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := io.Copy(io.Discard, struct{ io.Reader }{r})
			done <- err
		}()
		return st, src, done
	}
	// end is the reader's error; a reader that goes on waiting fails the
	// test after a second of the bubble's time instead of hanging it.
	end := func(t *testing.T, done <-chan error) error {
		t.Helper()
		select {
		case err := <-done:
			return err
		case <-time.After(time.Second):
			t.Fatal("the reader still waits")
			return nil
		}
	}
	read := func(t *testing.T, src *source, want int64) {
		t.Helper()
		synctest.Wait()
		if got := src.sent.Load(); got != want {
			t.Fatalf("read %d bytes, want %d", got, want)
		}
	}

	t.Run("kept within the window", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			st, src, done := start(t, t.Context(), 1000)
			read(t, src, window)
			polls := st.polls.Load()
			time.Sleep(time.Second)
			read(t, src, window) // nothing stored: nothing more read
			if n := st.polls.Load() - polls; n < 195 || n > 201 {
				t.Fatalf("%d polls in a second, want one every 5 ms", n)
			}
			st.bytes.Store(base + 30)
			time.Sleep(5 * time.Millisecond)
			read(t, src, 30+window)
			st.bytes.Store(base + 1000)
			if err := end(t, done); err != nil {
				t.Fatal(err)
			}
			read(t, src, 1000)
		})
	})
	t.Run("below the base", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			st, src, done := start(t, t.Context(), 1000)
			st.bytes.Store(base - 1000) // other packages removed since the start: none of ours stored
			read(t, src, window)
			time.Sleep(time.Second)
			read(t, src, window)
			st.bytes.Store(base - 1000 + 1000)
			time.Sleep(5 * time.Millisecond)
			read(t, src, window) // what others freed is not ours stored
			st.bytes.Store(base + 1000)
			if err := end(t, done); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("ctx ends", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			_, src, done := start(t, ctx, 1000)
			read(t, src, window)
			cancel()
			if err := end(t, done); !errors.Is(err, context.Canceled) {
				t.Fatalf("err %v, want context.Canceled", err)
			}
		})
	})
	t.Run("server fails", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			st, src, done := start(t, t.Context(), 1000)
			read(t, src, window)
			boom := errors.New("stream info: timeout")
			st.err.Store(boom)
			if err := end(t, done); !errors.Is(err, boom) {
				t.Fatalf("err %v, want %v", err, boom)
			}
		})
	})
}

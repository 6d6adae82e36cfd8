package audit

import (
	"context"
	"errors"
	"io"
	"testing"
	"testing/synctest"
	"time"
)

// TestLimitedReader: reads through the audit's limiter take as long as the
// rate says, after a first second's worth, also when one read returns more
// than the burst; a context that ends stops the wait. It runs in a bubble,
// so the durations are those of the limiter, not of the machine.
func TestLimitedReader(t *testing.T) {
	const mib = 1 << 20
	read := func(ctx context.Context, rate int64, size, buf int) (time.Duration, error) {
		l := &limitedReader{ctx: ctx, r: io.LimitReader(zeros{}, int64(size)), lim: newLimiter(rate)}
		start := time.Now()
		n, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, struct{ io.Reader }{l}, make([]byte, buf))
		if err == nil && n != int64(size) {
			t.Fatalf("read %d bytes of %d", n, size)
		}
		return time.Since(start), err
	}
	near := func(got, want time.Duration) bool { return got >= want && got < want+time.Millisecond }
	for _, c := range []struct {
		name      string
		rate      int64
		size, buf int
		want      time.Duration
	}{
		{"burst only", mib, mib, 32 << 10, 0},
		{"5 MiB at 1 MiB/s", mib, 5 * mib, 32 << 10, 4 * time.Second},
		{"reads bigger than the burst", mib, 6 * mib, 3 * mib, 5 * time.Second},
		{"burst capped at 64 MiB", 128 * mib, 192 * mib, 4 * mib, time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				took, err := read(context.Background(), c.rate, c.size, c.buf)
				if err != nil || !near(took, c.want) {
					t.Fatalf("took %v (%v), want %v", took, err, c.want)
				}
			})
		})
	}
	t.Run("ctx ends", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(1500*time.Millisecond, cancel)
			took, err := read(ctx, mib, 10*mib, 32<<10)
			if !errors.Is(err, context.Canceled) || !near(took, 1500*time.Millisecond) {
				t.Fatalf("took %v (%v), want context.Canceled after 1.5s", took, err)
			}
		})
	})
	if newLimiter(0) != nil {
		t.Fatal("rate 0 is limited")
	}
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

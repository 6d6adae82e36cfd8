package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

// TestBackoff: a failed delivery is retried after twice as long as the one
// before, up to a minute.
func TestBackoff(t *testing.T) {
	for _, c := range []struct {
		delivered uint64
		want      time.Duration
	}{
		{1, 2 * time.Second}, {2, 4 * time.Second}, {3, 8 * time.Second}, {4, 16 * time.Second},
		{5, 32 * time.Second}, {6, time.Minute}, {7, time.Minute}, {1000, time.Minute},
	} {
		if got := backoff(c.delivered); got != c.want {
			t.Errorf("backoff(%d) = %v, want %v", c.delivered, got, c.want)
		}
	}
}

// TestStoreRetry: a store operation that fails with a transient error is
// tried again after 200 ms, twice as long each time up to 5 s, until it
// succeeds, fails for good, ctx ends or StoreRetry has passed, and tells
// the hook before each wait. It runs in a bubble, so the times of the
// tries are exact.
func TestStoreRetry(t *testing.T) {
	down := fmt.Errorf("put: %w", syscall.ECONNREFUSED) // transient
	refused := errors.New("access denied")              // not
	for _, c := range []struct {
		name    string
		fails   int           // tries that fail before one succeeds, -1 for all
		err     error         // what they fail with
		timeout time.Duration // of ctx, 0 for none
		want    error
		tries   []time.Duration // when op runs, from the start
		waits   int             // waits for the next try begun
	}{
		{name: "third try succeeds", fails: 2, err: down, tries: ms(0, 200, 600), waits: 2},
		{name: "down for good", fails: -1, err: down, want: down,
			tries: ms(0, 200, 600, 1400, 3000, 6200, 11200), waits: 6}, // the try after StoreRetry (10 s) is the last
		{name: "refused", fails: -1, err: refused, want: refused, tries: ms(0)},
		{name: "ctx ends", fails: -1, err: down, timeout: time.Second, want: context.DeadlineExceeded, tries: ms(0, 200, 600), waits: 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				if c.timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, c.timeout)
					defer cancel()
				}
				var hooked int
				j := &job{w: &Worker{cfg: Config{StoreRetry: 10 * time.Second, Log: slog.New(slog.DiscardHandler),
					Hook: func(stage, detail string) {
						if stage == "store-retry" && detail == "put" {
							hooked++
						}
					}}}}
				start := time.Now()
				var tries []time.Duration
				err := j.retry(ctx, "put", func() error {
					tries = append(tries, time.Since(start))
					if c.fails < 0 || len(tries) <= c.fails {
						return c.err
					}
					return nil
				})
				if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
					t.Fatalf("err %v, want %v", err, c.want)
				}
				if !slices.Equal(tries, c.tries) {
					t.Fatalf("tried at %v, want %v", tries, c.tries)
				}
				if hooked != c.waits {
					t.Fatalf("store-retry hook called %d times, want %d: once per wait", hooked, c.waits)
				}
				if resume := len(tries) > 1; j.resume.Load() != resume {
					t.Fatalf("resume %v after %d tries: a retry checks what the failed try stored", j.resume.Load(), len(tries))
				}
			})
		})
	}
}

func ms(v ...int) []time.Duration {
	d := make([]time.Duration, len(v))
	for i, x := range v {
		d[i] = time.Duration(x) * time.Millisecond
	}
	return d
}

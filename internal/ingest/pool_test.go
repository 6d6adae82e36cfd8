package ingest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestEach runs in a bubble: time passes only when every goroutine waits,
// so the calls that sleep there are all running at once, and the counts
// below are exact instead of bounds.
func TestEach(t *testing.T) {
	items := make([]int, 40)
	for i := range items {
		items[i] = i
	}
	t.Run("all run, limit kept", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			u := newUploaders(50 * time.Millisecond)
			defer u.stop()
			var ran, now, most atomic.Int64
			err := each(context.Background(), u, 3, items, func(ctx context.Context, i int) error {
				n := now.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(time.Millisecond)
				now.Add(-1)
				ran.Add(int64(i))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if ran.Load() != 40*39/2 {
				t.Fatalf("sum of items run %d, want %d", ran.Load(), 40*39/2)
			}
			if most.Load() != 3 {
				t.Fatalf("%d ran at once, limit 3", most.Load())
			}
		})
	})
	t.Run("first error cancels the rest", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			u := newUploaders(50 * time.Millisecond)
			defer u.stop()
			boom := errors.New("boom")
			var started, sawCancel atomic.Int64
			// Items 0 and 1 finish after 20 ms; then 2 waits and 3 fails.
			err := each(context.Background(), u, 2, items, func(ctx context.Context, i int) error {
				started.Add(1)
				if i == 3 {
					return boom
				}
				select {
				case <-ctx.Done():
					sawCancel.Add(1)
					return ctx.Err()
				case <-time.After(20 * time.Millisecond):
					return nil
				}
			})
			if !errors.Is(err, boom) {
				t.Fatalf("err %v, want boom", err)
			}
			if started.Load() != 4 {
				t.Fatalf("%d items started, want 4: none after the error", started.Load())
			}
			if sawCancel.Load() != 1 {
				t.Fatalf("%d running calls saw their context cancelled, want 1", sawCancel.Load())
			}
		})
	})
	t.Run("parent cancelled", func(t *testing.T) {
		u := newUploaders(50 * time.Millisecond)
		defer u.stop()
		ctx, cancel := context.WithCancel(context.Background())
		var started atomic.Int64
		err := each(ctx, u, 1, items, func(ctx context.Context, i int) error {
			if started.Add(1) == 2 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
		if started.Load() > 3 {
			t.Fatalf("%d items started after the cancel", started.Load())
		}
	})
}

// A goroutine that finished an upload waits its idle time for the next
// one, and leaves when none comes. In a bubble synctest.Wait returns once
// the goroutine waits or has exited, so a send that does not block tells
// which.
func TestUploadersReuse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const idle = 200 * time.Millisecond
		u := newUploaders(idle)
		defer u.stop()
		send := func(f func()) bool {
			synctest.Wait()
			select {
			case u.tasks <- f: // only a waiting goroutine receives
				return true
			default:
				return false
			}
		}
		u.run(func() {})
		if !send(func() {}) {
			t.Fatal("no goroutine waited for the next task")
		}
		time.Sleep(idle - time.Millisecond)
		if !send(func() {}) {
			t.Fatal("the goroutine left before its idle time")
		}
		time.Sleep(idle + time.Millisecond)
		if send(func() {}) {
			t.Fatal("a goroutine still waited after its idle time")
		}
	})
}

// TestUploadersStop: stop ends the idle goroutines at once instead of
// after their idle time, and waits for a running upload to finish.
func TestUploadersStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := newUploaders(time.Hour)
		var done atomic.Int32
		for range 3 {
			u.run(func() { time.Sleep(time.Second); done.Add(1) })
		}
		start := time.Now()
		u.stop()
		if done.Load() != 3 {
			t.Fatalf("stop returned with %d of 3 uploads done", done.Load())
		}
		if waited := time.Since(start); waited > 2*time.Second {
			t.Fatalf("stop waited %v for idle goroutines", waited)
		}
		synctest.Wait() // every goroutine of the bubble has exited or is durably blocked
	})
}

package ingest

import (
	"context"
	"sync"
	"time"
)

// uploaders runs object uploads on goroutines that wait a while for the
// next upload before they exit. A new goroutine per object grew its stack
// to the depth minio-go and net/http need every time (about 3% of the CPU
// for packages of small files); a reused one has grown it already.
//
// The worker owns them: stop, called when its Run ends, makes the idle
// ones exit and waits for all of them.
type uploaders struct {
	idle  time.Duration // how long a goroutine waits for more work
	tasks chan func()   // unbuffered: a send succeeds only to a waiting goroutine
	done  chan struct{} // closed by stop
	once  sync.Once
	wg    sync.WaitGroup
}

func newUploaders(idle time.Duration) *uploaders {
	return &uploaders{idle: idle, tasks: make(chan func()), done: make(chan struct{})}
}

// run runs f on a waiting goroutine, or on a new one if none waits.
func (u *uploaders) run(f func()) {
	select {
	case u.tasks <- f:
	default:
		u.wg.Add(1)
		go u.loop(f)
	}
}

func (u *uploaders) loop(f func()) {
	defer u.wg.Done()
	t := time.NewTimer(u.idle)
	defer t.Stop()
	for {
		f()
		t.Reset(u.idle)
		select {
		case f = <-u.tasks:
		case <-t.C:
			return
		case <-u.done:
			return
		}
	}
}

// stop ends the waiting goroutines and waits until every one has returned;
// uploads still running finish first. Call it once no more work comes.
func (u *uploaders) stop() {
	u.once.Do(func() { close(u.done) })
	u.wg.Wait()
}

// each calls f for every item, at most limit at once, on u's goroutines. The
// first error cancels the context the others get and is returned once all
// calls have ended; items not yet started when it happens are skipped.
func each[T any](ctx context.Context, u *uploaders, limit int, items []T, f func(context.Context, T) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, limit)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	fail := func(err error) {
		once.Do(func() { first = err; cancel(err) })
	}
	for _, it := range items {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		u.run(func() {
			defer func() { <-sem; wg.Done() }()
			if err := f(ctx, it); err != nil {
				fail(err)
			}
		})
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = context.Cause(ctx)
	}
	return first
}

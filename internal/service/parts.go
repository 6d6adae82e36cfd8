package service

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
)

// parts runs the service's long-lived pieces. A part starts when added and
// runs until its own context ends; wait and stop end them in the reverse order of
// adding, each only after every part added later (which may use it) has
// returned. A part that returns before it is asked to stop has failed, and
// that stops the service with its error: nothing runs on without a part it
// needs.
//
// parts is used by one goroutine, Run's; the parts' own goroutines only
// report their end.
type parts struct {
	log     *slog.Logger
	base    context.Context // values for the parts, not their cancellation
	list    []*part
	failure chan struct{} // closed at the first failure

	mu    sync.Mutex
	first *part // the first to fail; mu guards it
}

type part struct {
	name   string
	cancel context.CancelFunc
	done   chan struct{}
	err    error // what run returned, or why it stopped early; set before done is closed
}

func newParts(ctx context.Context, log *slog.Logger) *parts {
	return &parts{log: log, base: context.WithoutCancel(ctx), failure: make(chan struct{})}
}

// add starts run as a part. run must return only when the part has fully
// stopped, and should return nil when its context ends.
func (g *parts) add(name string, run func(ctx context.Context) error) {
	ctx, cancel := context.WithCancel(g.base)
	p := &part{name: name, cancel: cancel, done: make(chan struct{})}
	g.list = append(g.list, p)
	go func() {
		defer close(p.done)
		err := run(ctx)
		asked := ctx.Err() != nil
		if !asked && err == nil {
			err = fmt.Errorf("%s: stopped", name)
		}
		p.err = err
		if asked {
			return
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.first == nil {
			g.first = p
			close(g.failure)
		}
	}()
}

// failed is closed when a part has failed.
func (g *parts) failed() <-chan struct{} { return g.failure }

// firstFailed is the part that failed first, nil if none has.
func (g *parts) firstFailed() *part {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.first
}

// err is why the first part to fail stopped, nil if none has.
func (g *parts) err() error {
	if p := g.firstFailed(); p != nil {
		return p.err // set before first
	}
	return nil
}

// wait runs the parts until ctx ends or one fails, then stops them all. It
// returns the failure, nil when ctx ended first.
func (g *parts) wait(ctx context.Context) error {
	var failed *part
	select {
	case <-ctx.Done():
	case <-g.failure:
		failed = g.firstFailed()
	}
	g.log.Info("stopping")
	g.stopAll(failed)
	if failed != nil {
		return failed.err
	}
	return nil
}

// stop ends the parts started so far (set-up failed: its error is the one
// returned).
func (g *parts) stop() { g.stopAll(g.firstFailed()) }

// stopAll ends the parts started so far, last first, waiting for each.
// Errors other than reported's are logged: the service is stopping anyway,
// but an operator should see them.
func (g *parts) stopAll(reported *part) {
	for i := len(g.list) - 1; i >= 0; i-- {
		p := g.list[i]
		p.cancel()
		<-p.done
		if p.err != nil && p != reported {
			g.log.Error("stopped with an error", "part", p.name, "err", p.err)
		}
	}
	g.list = nil
}

package service

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// TestPartsStopInReverse: parts stop last first, each after the later
// ones have returned, and an ended context is no failure.
func TestPartsStopInReverse(t *testing.T) {
	g := newParts(context.Background(), slog.New(slog.DiscardHandler))
	var mu sync.Mutex
	var order []string
	for _, name := range []string{"server", "connection", "api"} {
		g.add(name, func(ctx context.Context) error {
			<-ctx.Done()
			mu.Lock()
			defer mu.Unlock()
			order = append(order, name)
			return nil
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.wait(ctx); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(order, " "); got != "api connection server" {
		t.Fatalf("stopped %s", got)
	}
}

// TestPartsFailureStops: a part that ends on its own stops the rest, and
// its error, or that it stopped, is the result.
func TestPartsFailureStops(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{{errors.New("fell over"), "fell over"}, {nil, "gauge: stopped"}} {
		g := newParts(context.Background(), slog.New(slog.DiscardHandler))
		stopped := make(chan struct{})
		g.add("server", func(ctx context.Context) error {
			<-ctx.Done()
			close(stopped)
			return nil
		})
		g.add("gauge", func(context.Context) error { return c.err })
		err := g.wait(context.Background())
		if err == nil || err.Error() != c.want {
			t.Fatalf("wait: %v, want %s", err, c.want)
		}
		select {
		case <-stopped:
		default:
			t.Fatal("the other part was not stopped")
		}
	}
}

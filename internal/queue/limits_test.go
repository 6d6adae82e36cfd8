package queue_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/testenv"
)

// TestPendingRequestsBounded: a producer flooding its ingest subject is
// refused once MaxPendingRequests of its requests wait, and another
// tenant can still queue work.
func TestPendingRequestsBounded(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, a, b := setup(t)
	prodA, prodB := n.Producer(t, a), n.Producer(t, b)
	for i := range queue.MaxPendingRequests {
		if _, err := prodA.JetStream().PublishAsync(queue.IngestSubject("alfa"), []byte("{}")); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	select {
	case <-prodA.JetStream().PublishAsyncComplete():
	case <-ctx.Done():
		t.Fatal("flood not stored")
	}
	if _, err := prodA.JetStream().Publish(ctx, queue.IngestSubject("alfa"), []byte("{}")); err == nil {
		t.Fatalf("request %d accepted", queue.MaxPendingRequests+1)
	}
	if _, err := prodB.JetStream().Publish(ctx, queue.IngestSubject("beta"), []byte("{}")); err != nil {
		t.Fatalf("another tenant's request: %v", err)
	}
	st, err := n.Service(t).JetStream().Stream(ctx, queue.StreamIngest)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.CachedInfo().State.Msgs; got != queue.MaxPendingRequests+1 {
		t.Fatalf("%d requests queued, want %d", got, queue.MaxPendingRequests+1)
	}
}

// TestFollowerStops: a follower whose callback fails leaves no iterator
// or goroutine behind, however often it is started again.
func TestFollowerStops(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, _, _ := setup(t)
	svc := n.Service(t)
	for range 3 {
		if err := svc.Publish(ctx, earkiv.Event{Tenant: "alfa", Type: "test.event"}); err != nil {
			t.Fatal(err)
		}
	}
	stop := errors.New("stop here")
	follow := func() {
		if err := svc.FollowEvents(ctx, "alfa", 1, func(earkiv.Event) error { return stop }); !errors.Is(err, stop) {
			t.Fatalf("follow: %v", err)
		}
	}
	follow() // warm up what the connection keeps
	before := clientGoroutines()
	for range 30 {
		follow()
	}
	testenv.Eventually(t, 10*time.Second, func() error {
		if n := clientGoroutines(); n > before {
			return fmt.Errorf("%d client goroutines, %d before the followers", n, before)
		}
		return nil
	})
}

// clientGoroutines counts the goroutines of this process that run NATS
// client or queue code (the embedded server's own are left out: it keeps
// an ephemeral consumer until its inactivity limit).
func clientGoroutines() int {
	buf := make([]byte, 8<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "nats-server") {
			continue
		}
		if strings.Contains(g, "nats-io/nats.go") || strings.Contains(g, "earkiv/internal/queue.") {
			n++
		}
	}
	return n
}

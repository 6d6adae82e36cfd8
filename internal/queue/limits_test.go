package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/queue"
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
		if _, err := prodA.JS.PublishAsync(queue.IngestSubject("alfa"), []byte("{}")); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	select {
	case <-prodA.JS.PublishAsyncComplete():
	case <-ctx.Done():
		t.Fatal("flood not stored")
	}
	if _, err := prodA.JS.Publish(ctx, queue.IngestSubject("alfa"), []byte("{}")); err == nil {
		t.Fatalf("request %d accepted", queue.MaxPendingRequests+1)
	}
	if _, err := prodB.JS.Publish(ctx, queue.IngestSubject("beta"), []byte("{}")); err != nil {
		t.Fatalf("another tenant's request: %v", err)
	}
	st, err := n.Service(t).JS.Stream(ctx, queue.StreamIngest)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.CachedInfo().State.Msgs; got != queue.MaxPendingRequests+1 {
		t.Fatalf("%d requests queued, want %d", got, queue.MaxPendingRequests+1)
	}
}

package queue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/queue"
)

// TestProducerNoSessions: a producer reaches neither the sessions nor the
// tokens bucket, not even through its own tenant's keys: they hold what
// logs people in.
func TestProducerNoSessions(t *testing.T) {
	n, a, _ := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	svc := n.Service(t)
	if _, err := svc.Sessions(ctx); err != nil { // made by Setup
		t.Fatal(err)
	}
	if _, err := svc.Tokens(ctx); err != nil {
		t.Fatal(err)
	}
	sets := map[string]struct{ pub, sub []string }{}
	for _, b := range []string{queue.SessionsBucket(), queue.TokensBucket()} {
		var s struct{ pub, sub []string }
		for _, p := range jsAPI {
			s.pub = append(s.pub, fill(p, "KV_"+b, "x"))
		}
		s.pub = append(s.pub, "$KV."+b+".alfa.x.y", "$KV."+b+".beta.x.y", "$JS.ACK.KV_"+b+".x.1.1.1.1.0", "$JS.FC.KV_"+b+".x")
		s.sub = []string{"$KV." + b + ".>", "$KV." + b + ".alfa.>"}
		sets[b] = s
	}
	if tried := assertRefused(t, n, a, sets); tried < 2*len(jsAPI) {
		t.Fatalf("only %d attempts", tried)
	}
	prod := n.Producer(t, a)
	if _, err := prod.Sessions(ctx); !errors.Is(err, queue.ErrProducerSessions) {
		t.Fatalf("a producer's client opened the sessions bucket: %v", err)
	}
	if _, err := prod.Tokens(ctx); !errors.Is(err, queue.ErrProducerSessions) {
		t.Fatalf("a producer's client opened the tokens bucket: %v", err)
	}
	for _, b := range []string{queue.SessionsBucket(), queue.TokensBucket()} {
		c, cancel := context.WithTimeout(ctx, time.Second)
		_, err := prod.JetStream().KeyValue(c, b)
		cancel()
		if err == nil {
			t.Fatalf("the server let a producer open bucket %s", b)
		}
	}
}

// TestSessionBuckets: Setup makes both buckets as configured, and a data
// folder without them gets them on first use.
func TestSessionBuckets(t *testing.T) {
	n, _, _ := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	svc := n.Service(t)
	s, err := svc.Sessions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Status(ctx)
	if err != nil || st.TTL() != queue.SessionsTTL || st.History() != 1 {
		t.Fatalf("sessions bucket: %v %v", st, err)
	}
	tk, err := svc.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := tk.Status(ctx); err != nil || st.TTL() != 0 {
		t.Fatalf("tokens bucket: %v %v", st, err)
	}
	for _, b := range []string{queue.SessionsBucket(), queue.TokensBucket()} {
		if err := svc.JetStream().DeleteKeyValue(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Sessions(ctx); err != nil {
		t.Fatalf("sessions bucket on first use: %v", err)
	}
	if _, err := svc.Tokens(ctx); err != nil {
		t.Fatalf("tokens bucket on first use: %v", err)
	}
	if _, err := svc.JetStream().KeyValue(ctx, queue.TokensBucket()); err != nil {
		t.Fatalf("tokens bucket not made: %v", err)
	}
}

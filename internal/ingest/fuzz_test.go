package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ingest"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/testenv"
)

// FuzzWorkerRequest publishes random requests on a producer's own ingest
// subject, as a broken or hostile case system may, to a real worker on a
// real NATS server and S3 gateway. Each must be settled (acknowledged or
// terminated) with a receipt or a dead letter, and the worker must stay
// connected and working: no panic, no closed connection, no message left
// to come back.
func FuzzWorkerRequest(f *testing.F) {
	valid := earkiv.Request{SubmissionID: "0190f0c8-0000-7000-8000-00000000f001", Tenant: "alfa", Object: "0190f0c8-0000-7000-8000-00000000f001",
		Name: "p.tar", Format: "tar", Size: 10240, Submitted: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)}
	seed := func(mod func(*earkiv.Request)) {
		r := valid
		mod(&r)
		b, _ := json.Marshal(r)
		f.Add(b)
	}
	seed(func(*earkiv.Request) {})
	seed(func(r *earkiv.Request) { r.SubmissionID = strings.Repeat("x", 5000) })
	seed(func(r *earkiv.Request) { r.SubmissionID, r.Object = "../../etc/passwd", "../../etc/passwd" })
	seed(func(r *earkiv.Request) { r.Object = strings.Repeat("o", 5000) })
	seed(func(r *earkiv.Request) { r.Tenant = "beta" })
	seed(func(r *earkiv.Request) { r.Format = "rar" })
	seed(func(r *earkiv.Request) { r.Size = -1 })
	seed(func(r *earkiv.Request) { r.Name = "a/b" })
	seed(func(r *earkiv.Request) { r.Sums = map[string]string{"mets.xml": strings.Repeat("0", 64)} })
	for _, s := range []string{"", "null", "[]", "{}", `{"submissionId":5}`, `{"size":"big"}`, "\x00\xff", `{"submissionId":"` + strings.Repeat("é", 3000) + `"}`} {
		f.Add([]byte(s))
	}

	e := newEnv(f)
	e.startWorker(func(c *ingest.Config) { c.Heartbeat = 200 * time.Millisecond })
	prod := e.nats.Producer(f, e.tenant("alfa"))
	ctx := context.Background()
	cons, err := e.svc.JetStream().Consumer(ctx, queue.StreamIngest, queue.Consumer)
	if err != nil {
		f.Fatal(err)
	}
	dead, err := e.svc.JetStream().Stream(ctx, queue.StreamDead)
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		before, err := dead.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now().Add(-time.Second) // the worker's clock is this one; a little slack
		if _, err := prod.JetStream().Publish(ctx, queue.IngestSubject("alfa"), data); err != nil {
			if errors.Is(err, context.DeadlineExceeded) || !prod.Conn().IsConnected() {
				t.Fatalf("publish: %v", err)
			}
			t.Skip("the server refused the message itself:", err)
		}
		var req earkiv.Request
		wellFormed := json.Unmarshal(data, &req) == nil && req.Check() == nil
		// The outcome: a receipt issued now for a well-formed request, a
		// dead letter for any other.
		testenv.Eventually(t, 30*time.Second, func() error {
			if wellFormed {
				r, err := prod.Receipt(ctx, "alfa", req.SubmissionID)
				if err != nil || !r.Finished.After(start) {
					return fmt.Errorf("no receipt for the well-formed request (%v)", err)
				}
				if r.Status != earkiv.Rejected {
					t.Fatalf("a request for a package never uploaded got %s", r.Status)
				}
				return nil
			}
			after, err := dead.Info(ctx)
			if err != nil || after.State.Msgs == before.State.Msgs {
				return fmt.Errorf("no dead letter for the malformed request (%v)", err)
			}
			if after.State.Msgs != before.State.Msgs+1 {
				t.Fatalf("refused request: %d dead letters before, %d after", before.State.Msgs, after.State.Msgs)
			}
			return nil
		})
		// Settled: nothing left to be delivered again.
		testenv.Eventually(t, 30*time.Second, func() error {
			ci, err := cons.Info(ctx)
			if err != nil {
				t.Fatalf("consumer: %v", err)
			}
			if ci.NumPending != 0 || ci.NumAckPending != 0 || ci.NumRedelivered != 0 {
				return fmt.Errorf("consumer not settled: %d pending, %d ack pending, %d redelivered", ci.NumPending, ci.NumAckPending, ci.NumRedelivered)
			}
			return nil
		})
		if !e.svc.Conn().IsConnected() || !prod.Conn().IsConnected() {
			t.Fatal("a connection was lost")
		}
	})
}

package ingest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/fgs"
	"github.com/earkiv/earkiv/internal/ingest"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/samplegen"
	"github.com/earkiv/earkiv/internal/testenv"
)

// TestWorkerKilled kills a worker process (SIGKILL) at points of an ingest
// and checks that a fresh worker then produces exactly one complete AIP and
// an accepted receipt, and that nothing looked complete in between.
func TestWorkerKilled(t *testing.T) {
	for _, c := range []struct {
		name   string
		stage  string
		after  int
		stream bool
	}{
		{"mid-upload", "object-stored", 5, false},
		{"mid-upload-while-validating", "object-stored-early", 5, true},
		{"after-manifest-before-receipt", "aip-complete", 1, false},
		{"streamed-after-manifest-before-receipt", "aip-complete", 1, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			p, err := samplegen.Generate(context.Background(), t.TempDir(), samplegen.Spec{Family: fgs.FamilyFGS1, Cases: 4, Files: 5, Size: 20000, Seed: 5})
			if err != nil {
				t.Fatal(err)
			}
			child := e.startWorkerChild(c.stage, c.after, c.stream)
			id := e.submit("alfa", p)
			waitOutput(t, child, "STOPPED-AT", time.Minute)
			child.Kill()

			bucket := e.tenant("alfa").Bucket
			prefixes := e.aipPrefixes(bucket)
			if len(prefixes) != 1 {
				t.Fatalf("%d AIP folders after the kill, want 1", len(prefixes))
			}
			for _, complete := range prefixes {
				if complete != (c.stage == "aip-complete") {
					t.Fatalf("AIP complete=%v after a kill at %s", complete, c.stage)
				}
			}
			if r, err := e.svc.Receipt(context.Background(), "alfa", id); err == nil {
				t.Fatalf("receipt %s issued before the work was done", r.Status)
			}

			e.startWorker(func(cfg *ingest.Config) { // redelivery after AckWait
				if c.stream {
					streamed(cfg)
				}
			})
			r := e.receipt("alfa", id, time.Minute)
			if r.Status != earkiv.Accepted {
				t.Fatalf("after restart: %s %s", r.Status, r.Reason)
			}
			prefixes = e.aipPrefixes(bucket)
			if len(prefixes) != 1 || !prefixes[r.AIPID] {
				t.Fatalf("AIPs after restart %v, want exactly %s complete", prefixes, r.AIPID)
			}
			checkAIP(t, e, "alfa", r)
			e.waitCatalog("alfa", 1)
		})
	}
}

// TestStoreOutage: S3 is down when the worker starts on a package; the
// worker retries and stores it once S3 is back. Nothing is lost. The
// worker's hook says when a try has failed, so S3 comes back only after
// the worker has seen it down.
func TestStoreOutage(t *testing.T) {
	e := newEnv(t)
	e.s3.Stop()
	id := e.submit("alfa", sample(t, "fgs1-valid-arenden"))
	retried := make(chan string, 1)
	e.startWorker(func(c *ingest.Config) {
		c.Hook = func(stage, detail string) {
			if stage == "store-retry" {
				select {
				case retried <- detail:
				default:
				}
			}
		}
	})
	select {
	case <-retried:
	case <-time.After(time.Minute):
		t.Fatal("the worker did not retry a store operation while S3 was down")
	}
	if _, err := e.svc.Receipt(context.Background(), "alfa", id); err == nil {
		t.Fatal("a receipt was issued while S3 was down")
	}
	e.s3.Start()
	r := e.receipt("alfa", id, 2*time.Minute)
	if r.Status != earkiv.Accepted {
		t.Fatalf("%s %s", r.Status, r.Reason)
	}
	checkAIP(t, e, "alfa", r)
	e.waitCatalog("alfa", 1)
}

// TestNATSRestart: submissions survive a NATS restart before a worker takes
// them, and workers, producers and the catalog carry on after another.
func TestNATSRestart(t *testing.T) {
	e := newEnv(t)
	first := e.submit("alfa", sample(t, "fgs1-valid-arenden"))
	e.nats.Restart(t)
	e.startWorker()
	if r := e.receipt("alfa", first, time.Minute); r.Status != earkiv.Accepted {
		t.Fatalf("first: %s %s", r.Status, r.Reason)
	}
	e.nats.Restart(t)
	second := e.submit("alfa", sample(t, "eark-valid-erms"))
	if r := e.receipt("alfa", second, time.Minute); r.Status != earkiv.Accepted {
		t.Fatalf("second: %s %s", r.Status, r.Reason)
	}
	e.waitCatalog("alfa", 2)
}

// TestDeadLetter: a request that fails on every delivery (S3 stays down) is
// dead-lettered after the consumer's last delivery, and the producer gets a
// "failed" receipt instead of waiting for ever.
func TestDeadLetter(t *testing.T) {
	e := newEnv(t)
	e.s3.Stop()
	e.startWorker(func(c *ingest.Config) { c.StoreRetry = 300 * time.Millisecond })
	id := e.submit("alfa", sample(t, "fgs1-valid-arenden"))
	r := e.receipt("alfa", id, 2*time.Minute)
	if r.Status != earkiv.Failed || !strings.Contains(r.Reason, "handed to operators") || r.OK() {
		t.Fatalf("receipt %s: %s", r.Status, r.Reason)
	}
	ctx := context.Background()
	s, err := e.svc.JetStream().Stream(ctx, queue.StreamDead)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetLastMsgForSubject(ctx, queue.DeadSubject("alfa"))
	if err != nil {
		t.Fatalf("no dead letter: %v", err)
	}
	if !strings.Contains(string(m.Data), id) || m.Header.Get("Earkiv-Error") == "" {
		t.Fatalf("dead letter %s %v", m.Data, m.Header)
	}
	// The request leaves the queue (terminated just after the receipt is
	// stored, so allow the worker a moment).
	cons, err := e.svc.JetStream().Consumer(ctx, queue.StreamIngest, queue.Consumer)
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, func() error {
		ci, err := cons.Info(ctx)
		if err != nil {
			return err
		}
		if ci.NumPending != 0 || ci.NumAckPending != 0 {
			return fmt.Errorf("queue still holds the request: %d pending, %d ack pending", ci.NumPending, ci.NumAckPending)
		}
		return nil
	})
}

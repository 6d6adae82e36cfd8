package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/pkgstore"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/validate"
)

// Config wires a Worker.
// Appraiser decides outcomes and locks at ingest (retention.Appraiser).
type Appraiser interface {
	Appraise(ctx context.Context, t *tenant.Tenant, m *aip.Manifest) (map[string]earkiv.Lock, error)
}

type Config struct {
	Tenants func() *tenant.Registry // current tenants (may be reloaded)
	// Place finds the tenant's bucket and its replica, if it has one.
	Place     placement.Placement
	Queue     *queue.Client // service login
	Validator *validate.Validator
	SpoolDir  string // local disk for packages being ingested
	// Packages up to MemoryBelow bytes (default 8 MiB) are held in memory;
	// zips and packages up to SpoolBelow (default 64 MiB) are copied to
	// SpoolDir; bigger tars are streamed from the package store on each pass.
	MemoryBelow, SpoolBelow int64
	Concurrency             int           // packages at once; default 2
	Uploads                 int           // objects uploaded at once per package; default 8
	Heartbeat               time.Duration // in-progress signal interval; default 10s (keep well under AckWait)
	StoreRetry              time.Duration // how long one attempt keeps retrying an unavailable store; default 2m
	Version                 string
	Metrics                 *Metrics
	Log                     *slog.Logger
	Now                     func() time.Time
	// MemoryBudget bounds the heap all validations at once may take, by
	// their estimate (validate.MemoryNeed) and the packages held in
	// memory; default half the machine's memory, at least 1 GiB.
	MemoryBudget int64
	// Hook, if set, is called at named points of an ingest ("object-stored",
	// "object-stored-early" for a file stored while it is validated,
	// "digest-pass" with its error for a read only to check the package
	// digest, "aip-complete", "memory-granted" and "memory-released" with
	// the bytes of the memory budget, "store-retry" with the operation for
	// a try that failed while the store was unavailable); fault tests use
	// it to stop a worker at an exact point or to see where it is.
	Hook func(stage, detail string)
	// Appraiser decides each record's outcome under the plan in force and
	// each object's lock; nil locks every object with the tenant's default
	// retention (tests of the pipeline alone).
	Appraiser Appraiser
}

// Worker consumes ingest requests.
type Worker struct {
	cfg        Config
	pkgs       *pkgstore.Store
	maxDeliver int
	buckets    sync.Map // buckets known to exist with Object Lock
	uploaders  *uploaders
	mem        *budget
}

// New checks cfg and prepares the spool folder.
func New(cfg Config) (*Worker, error) {
	if cfg.Tenants == nil || cfg.Place == nil || cfg.Queue == nil || cfg.Validator == nil {
		return nil, errors.New("ingest: tenants, placement, queue and validator are required")
	}
	if cfg.SpoolDir == "" {
		return nil, errors.New("ingest: a spool folder is required")
	}
	if err := os.MkdirAll(cfg.SpoolDir, 0o700); err != nil {
		return nil, fmt.Errorf("ingest: spool: %w", err)
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 2
	}
	if cfg.Uploads <= 0 {
		cfg.Uploads = 8
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 10 * time.Second
	}
	if cfg.MemoryBelow <= 0 {
		cfg.MemoryBelow = 8 << 20
	}
	if cfg.SpoolBelow <= 0 {
		cfg.SpoolBelow = 64 << 20
	}
	if cfg.StoreRetry <= 0 {
		cfg.StoreRetry = 2 * time.Minute
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Hook == nil {
		cfg.Hook = func(string, string) {}
	}
	if cfg.MemoryBudget <= 0 {
		cfg.MemoryBudget = max(physicalMemory()/2, 1<<30)
	}
	return &Worker{cfg: cfg, pkgs: pkgstore.New(cfg.Queue), uploaders: newUploaders(5 * time.Second), mem: newBudget(cfg.MemoryBudget)}, nil
}

// Run pulls requests until ctx is done. Each request is acknowledged only
// after its receipt is stored; a failed attempt is retried with back-off and,
// after the consumer's last delivery, dead-lettered with a "failed" receipt.
func (w *Worker) Run(ctx context.Context) error {
	wq, err := w.cfg.Queue.WorkQueue(ctx)
	if err != nil {
		return fmt.Errorf("ingest: consumer: %w", err)
	}
	w.maxDeliver = wq.MaxDeliver()
	sem := make(chan struct{}, w.cfg.Concurrency)
	var wg sync.WaitGroup
	// Stop order: the jobs first, then the uploaders they upload through.
	defer w.uploaders.stop()
	defer wg.Wait()
	for ctx.Err() == nil {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		d, err := wq.Next(ctx, fetchWait)
		if err != nil {
			<-sem
			if ctx.Err() != nil {
				return nil
			}
			w.cfg.Log.Warn("fetch ingest request", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Second):
			}
			continue
		}
		if d == nil {
			<-sem
			continue
		}
		wg.Add(1)
		go func() { // a job: Run waits for it before it returns
			defer func() { <-sem; wg.Done() }()
			w.handle(ctx, d)
		}()
	}
	return nil
}

// fetchWait is how long one fetch waits for a request.
const fetchWait = 2 * time.Second

// handle processes one delivery and settles it.
func (w *Worker) handle(ctx context.Context, d *queue.Delivery) {
	delivered, tenantID := d.Delivered, d.Tenant
	log := w.cfg.Log.With("tenant", tenantID, "delivery", delivered)
	var req earkiv.Request
	if err := json.Unmarshal(d.Data, &req); err != nil {
		err = fmt.Errorf("the request is not JSON of an ingest request: %w", err)
		log.Error("ingest request refused and dead-lettered", "submission", ids.Quote(req.SubmissionID), "err", err, "bytes", len(d.Data))
		w.refuse(ctx, tenantID, req, d.Data, err)
		if err := d.Term(); err != nil {
			log.Warn("term", "err", err)
		}
		return
	}
	sub := req.SubmissionID
	if ids.Submission(sub) != nil {
		sub = ids.Quote(sub) // refused by Process; a log line stays short
	}
	log = log.With("submission", sub)

	// Keep the message ours while we work: long packages outlive AckWait.
	hbCtx, stopHB := context.WithCancel(ctx)
	defer stopHB()
	go func() { // ends with stopHB
		t := time.NewTicker(w.cfg.Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-hbCtx.Done():
				return
			case <-t.C:
				if err := d.InProgress(); err != nil {
					log.Warn("in-progress heartbeat", "err", err)
				}
			}
		}
	}()

	w.cfg.Metrics.InProgress.Inc()
	defer w.cfg.Metrics.InProgress.Dec()
	start := time.Now()
	rec, err := w.Process(ctx, tenantID, delivered, req)
	if err == nil {
		stopHB()
		w.cfg.Metrics.Duration.WithLabelValues(string(rec.Status)).Observe(time.Since(start).Seconds())
		if err := d.Ack(); err != nil {
			log.Warn("ack", "err", err) // redelivery will find the receipt and ack then
		}
		log.Info("ingest done", "status", rec.Status, "aip", rec.AIPID, "package", rec.PackageID, "files", rec.Files, "bytes", rec.Bytes, "took", time.Since(start).Round(time.Millisecond))
		return
	}
	if ctx.Err() != nil {
		// Shutting down: leave the message to be redelivered.
		log.Info("ingest interrupted by shutdown; it will be redelivered", "err", err)
		return
	}
	stopHB()
	w.cfg.Metrics.Failures.WithLabelValues(tenantID, stageOf(err)).Inc()
	if w.maxDeliver > 0 && int(delivered) >= w.maxDeliver {
		log.Error("ingest failed on its last delivery; dead-lettered", "err", err)
		w.fail(ctx, tenantID, req, err)
		if err := d.Term(); err != nil {
			log.Warn("term", "err", err) // redelivered, it finds its receipt
		}
		return
	}
	delay := backoff(delivered)
	log.Warn("ingest attempt failed; will retry", "err", err, "retry_in", delay)
	w.event(ctx, earkiv.Event{Tenant: tenantID, Type: earkiv.IngestRetry, SubmissionID: req.SubmissionID, Outcome: earkiv.Failure, Detail: err.Error()})
	if err := d.Nak(delay); err != nil {
		log.Warn("nak", "err", err) // redelivered after AckWait instead
	}
}

func backoff(delivered uint64) time.Duration {
	d := time.Second << min(delivered, 6)
	return min(d, time.Minute)
}

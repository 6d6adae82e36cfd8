// Package ingest turns a submitted package into an archival package: it
// takes an ingest request off the work queue, fetches the package, validates
// it, checks it belongs to the submitting municipality, stores every file and
// the AIP METS and PREMIS in the municipality's bucket under Object Lock,
// writes the manifest last, and answers with a receipt.
//
// Crash safety comes from three facts: the AIP id is derived from (tenant,
// package id), so a redo writes the same keys; an object already stored with
// the right SHA-256 is not stored again; and an AIP counts as existing only
// once its manifest is written, which happens after everything else.
package ingest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/fgs"
	"github.com/earkiv/earkiv/internal/fixity"
	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/pkgfs"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/records"
	"github.com/earkiv/earkiv/internal/report"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/validate"
	"github.com/earkiv/earkiv/internal/xmlsafe"
)

// Config wires a Worker.
type Config struct {
	Tenants func() *tenant.Registry                      // current tenants (may be reloaded)
	Store   func(*tenant.Tenant) (*storage.Store, error) // the tenant's S3 store
	// Replica returns the tenant's second store and bucket, nil if it has none.
	Replica   func(*tenant.Tenant) (*storage.Store, string, error)
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
	// the bytes of the memory budget); fault tests use it to stop a worker at an exact point.
	Hook func(stage, detail string)
}

// Worker consumes ingest requests.
type Worker struct {
	cfg        Config
	maxDeliver int
	buckets    sync.Map // buckets known to exist with Object Lock
	uploaders  *uploaders
	mem        *budget
}

// New checks cfg and prepares the spool folder.
func New(cfg Config) (*Worker, error) {
	if cfg.Tenants == nil || cfg.Store == nil || cfg.Queue == nil || cfg.Validator == nil {
		return nil, errors.New("ingest: tenants, store, queue and validator are required")
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
	return &Worker{cfg: cfg, uploaders: newUploaders(5 * time.Second), mem: newBudget(cfg.MemoryBudget)}, nil
}

// Run pulls requests until ctx is done. Each request is acknowledged only
// after its receipt is stored; a failed attempt is retried with back-off and,
// after the consumer's last delivery, dead-lettered with a "failed" receipt.
func (w *Worker) Run(ctx context.Context) error {
	cons, err := w.cfg.Queue.JS.Consumer(ctx, queue.StreamIngest, queue.Consumer)
	if err != nil {
		return fmt.Errorf("ingest: consumer: %w", err)
	}
	w.maxDeliver = cons.CachedInfo().Config.MaxDeliver
	sem := make(chan struct{}, w.cfg.Concurrency)
	var wg sync.WaitGroup
	defer w.uploaders.stop() // after the jobs, which upload through them
	defer wg.Wait()
	for ctx.Err() == nil {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(2*time.Second))
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
		got := false
		for m := range batch.Messages() {
			got = true
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				w.handle(ctx, m)
			}()
		}
		if !got {
			<-sem
		}
	}
	return nil
}

// handle processes one message and settles it.
func (w *Worker) handle(ctx context.Context, m jetstream.Msg) {
	md, _ := m.Metadata()
	delivered := uint64(1)
	if md != nil {
		delivered = md.NumDelivered
	}
	tenantID := strings.TrimPrefix(m.Subject(), "earkiv.ingest.")
	log := w.cfg.Log.With("tenant", tenantID, "delivery", delivered)
	var req earkiv.Request
	if err := json.Unmarshal(m.Data(), &req); err != nil {
		err = fmt.Errorf("the request is not JSON of an ingest request: %w", err)
		log.Error("ingest request refused and dead-lettered", "submission", ids.Quote(req.SubmissionID), "err", err, "bytes", len(m.Data()))
		w.refuse(ctx, tenantID, req, m.Data(), err)
		if err := m.Term(); err != nil {
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
	go func() {
		t := time.NewTicker(w.cfg.Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-hbCtx.Done():
				return
			case <-t.C:
				if err := m.InProgress(); err != nil {
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
		if err := m.Ack(); err != nil {
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
		if err := m.Term(); err != nil {
			log.Warn("term", "err", err) // redelivered, it finds its receipt
		}
		return
	}
	delay := backoff(delivered)
	log.Warn("ingest attempt failed; will retry", "err", err, "retry_in", delay)
	w.event(ctx, earkiv.Event{Tenant: tenantID, Type: earkiv.IngestRetry, SubmissionID: req.SubmissionID, Outcome: earkiv.Failure, Detail: err.Error()})
	if err := m.NakWithDelay(delay); err != nil {
		log.Warn("nak", "err", err) // redelivered after AckWait instead
	}
}

func backoff(delivered uint64) time.Duration {
	d := time.Second << min(delivered, 6)
	return min(d, time.Minute)
}

// stageError marks which stage failed, for metrics and logs.
type stageError struct {
	stage string
	err   error
}

func (e *stageError) Error() string { return e.stage + ": " + e.err.Error() }
func (e *stageError) Unwrap() error { return e.err }

func stage(s string, err error) error {
	if err == nil {
		return nil
	}
	return &stageError{s, err}
}

func stageOf(err error) string {
	var se *stageError
	if errors.As(err, &se) {
		return se.stage
	}
	return "other"
}

// fail issues a "failed" receipt and a dead-letter record, so the producer
// is not left waiting and operators see what to retry.
func (w *Worker) fail(ctx context.Context, tenantID string, req earkiv.Request, cause error) {
	data, _ := json.Marshal(req)
	rec := w.deadEnd(ctx, tenantID, req, data, earkiv.Failed, "the package could not be processed and has been handed to operators: ", cause)
	w.event(ctx, earkiv.Event{Tenant: tenantID, Type: earkiv.IngestFailed, SubmissionID: req.SubmissionID, Outcome: earkiv.Failure, Detail: cause.Error()})
	w.event(ctx, receiptEvent(rec))
}

// refuse answers a request earkiv's client would not have sent (not JSON,
// an id that is not a UUID, a name that is a path) with a "rejected"
// receipt under its submission id, whatever that is (see
// queue.PutReceipt), and a dead-letter record of the request as it came.
func (w *Worker) refuse(ctx context.Context, tenantID string, req earkiv.Request, data []byte, cause error) *earkiv.Receipt {
	rec := w.deadEnd(ctx, tenantID, req, data, earkiv.Rejected, "the request cannot be processed: ", cause)
	// The event log and the catalog name a submission by a valid id only.
	shown := *rec
	if ids.Submission(req.SubmissionID) != nil {
		shown.SubmissionID = ""
	}
	w.event(ctx, receiptEvent(&shown))
	return rec
}

// deadEnd ends a request that is not retried: a dead-letter record of
// data, and a receipt of status whose reason is why and the cause.
func (w *Worker) deadEnd(ctx context.Context, tenantID string, req earkiv.Request, data []byte, status earkiv.Status, why string, cause error) *earkiv.Receipt {
	w.deadLetter(ctx, tenantID, data, cause)
	now := w.cfg.Now().UTC()
	rec := &earkiv.Receipt{SubmissionID: req.SubmissionID, Tenant: tenantID, Status: status, Reason: why + cause.Error(),
		Submitted: req.Submitted, Started: now, Finished: now}
	if err := w.cfg.Queue.PutReceipt(ctx, rec); err != nil {
		w.cfg.Log.Error("store receipt", "status", status, "submission", ids.Quote(req.SubmissionID), "err", err)
	}
	w.cfg.Metrics.Packages.WithLabelValues(tenantID, string(status)).Inc()
	return rec
}

func (w *Worker) deadLetter(ctx context.Context, tenantID string, data []byte, cause error) {
	msg := &nats.Msg{Subject: queue.DeadSubject(tenantID), Data: data, Header: nats.Header{}}
	msg.Header.Set("Earkiv-Error", cause.Error())
	msg.Header.Set("Earkiv-Time", w.cfg.Now().UTC().Format(time.RFC3339))
	if _, err := w.cfg.Queue.JS.PublishMsg(ctx, msg); err != nil {
		w.cfg.Log.Error("dead letter", "tenant", tenantID, "err", err)
	}
}

// event publishes an event and waits until it is stored.
func (w *Worker) event(ctx context.Context, e earkiv.Event) {
	w.prepare(&e)
	if err := w.cfg.Queue.Publish(ctx, e); err != nil {
		w.cfg.Log.Warn("publish event", "type", e.Type, "err", err)
	}
}

// prepare gives an event its id and time. Ids derived from the submission
// make a step repeated after a crash a duplicate that JetStream drops.
func (w *Worker) prepare(e *earkiv.Event) {
	if e.ID == "" && e.SubmissionID != "" && e.Type != earkiv.IngestRetry {
		e.ID = uuid.NewSHA1(uuid.NameSpaceURL, []byte("earkiv:"+e.SubmissionID+":"+string(e.Type))).String()
	}
	if e.Time.IsZero() {
		e.Time = w.cfg.Now().UTC()
	}
}

// event publishes an event of the job without waiting; flushEvents waits
// for them all, once before the receipt is stored (so no receipt tells of
// an AIP whose events are not stored) and once before the request is
// acknowledged. A small package thus waits for the event stream twice, not
// once per event.
func (j *job) event(e earkiv.Event) {
	j.w.prepare(&e)
	f, err := j.w.cfg.Queue.PublishAsync(e)
	if err != nil {
		j.w.cfg.Log.Warn("publish event", "type", e.Type, "err", err)
		return
	}
	j.events = append(j.events, pendingEvent{e.Type, f})
}

type pendingEvent struct {
	typ earkiv.EventType
	f   jetstream.PubAckFuture
}

// eventWait bounds the wait for the event stream's acknowledgements.
const eventWait = 30 * time.Second

func (j *job) flushEvents(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, eventWait)
	defer cancel()
	for _, p := range j.events {
		select {
		case <-p.f.Ok():
		case err := <-p.f.Err():
			j.w.cfg.Log.Warn("publish event", "type", p.typ, "err", err)
		case <-ctx.Done():
			j.w.cfg.Log.Warn("publish event", "type", p.typ, "err", ctx.Err())
		}
	}
	j.events = nil
}

// receiptEvent announces a receipt, without its report and checksums.
func receiptEvent(r *earkiv.Receipt) earkiv.Event {
	sum := *r
	sum.Report, sum.Checksums = nil, nil
	data, _ := json.Marshal(sum)
	return earkiv.Event{Tenant: r.Tenant, Type: earkiv.ReceiptIssued, SubmissionID: r.SubmissionID, PackageID: r.PackageID,
		AIPID: r.AIPID, Outcome: string(r.Status), Detail: r.Reason, Data: data}
}

// Process ingests one request and stores its receipt. An error means the
// attempt should be retried (the store or queue is unavailable, the worker
// is shutting down); every verdict on the package itself is a receipt.
func (w *Worker) Process(ctx context.Context, tenantID string, delivered uint64, req earkiv.Request) (*earkiv.Receipt, error) {
	if err := req.Check(); err != nil {
		data, _ := json.Marshal(req)
		return w.refuse(ctx, tenantID, req, data, err), nil
	}
	if delivered > 1 {
		// A redelivery may be of finished work (the ack was lost).
		if prev, err := w.cfg.Queue.Receipt(ctx, tenantID, req.SubmissionID); err == nil {
			w.removePackage(ctx, tenantID, req.Object) // in case the crash came before the clean-up
			return prev, nil
		} else if !errors.Is(err, queue.ErrNoReceipt) {
			return nil, stage("receipt", err)
		}
	}
	t, err := w.cfg.Tenants().Get(tenantID)
	if err != nil {
		return nil, stage("tenant", err) // retried, then dead-lettered: a tenant removed while its packages wait
	}
	j := &job{w: w, t: t, req: req, took: map[string]time.Duration{}, rec: &earkiv.Receipt{SubmissionID: req.SubmissionID, Tenant: t.ID, Submitted: req.Submitted, Started: w.cfg.Now().UTC()}}
	if req.Tenant != "" && req.Tenant != t.ID {
		return j.finish(ctx, earkiv.Rejected, fmt.Sprintf("the request names tenant %q but was submitted on %s's queue", req.Tenant, t.ID))
	}
	j.resume.Store(delivered > 1)
	j.event(earkiv.Event{Tenant: t.ID, Type: earkiv.IngestStarted, SubmissionID: req.SubmissionID, Detail: req.Name})
	return j.run(ctx)
}

// job is one ingest attempt.
type job struct {
	w      *Worker
	t      *tenant.Tenant
	req    earkiv.Request
	rec    *earkiv.Receipt
	store  *storage.Store
	spool  string        // mid-sized packages and zips: a local copy for random access
	pkg    pkgfs.Package // the package as validated, reused to store it
	mu     sync.Mutex    // guards srcErr
	srcErr error         // a pass over the stored package failed its digest check
	// verified is set once validation's passes read the stored package whole
	// with its digest checked; later passes skip the digest (see source).
	verified atomic.Bool
	took     map[string]time.Duration // per stage, for the log
	events   []pendingEvent           // published, not yet known to be stored
	// resume is set when an earlier try may have stored objects: each is then
	// checked before it is uploaded again.
	resume atomic.Bool
	eager  *eagerStore // a big streamed package: files stored while validated
	// vouch: validation reads the package without its digest, and the
	// digest is checked only if not every file can be vouched for (see
	// vouched): for a package in memory by hashing those bytes (memDigest),
	// otherwise by a read of its own.
	vouch     bool
	memDigest func() error
	aipID     string          // the AIP the package would become, once known
	kept      map[string]bool // versions the AIP's manifest lists
	memHeld   int64           // of the worker's memory budget (see budgeted)
}

// timed runs f and records its duration under stage.
func (j *job) timed(stage string, f func() error) error {
	t0 := time.Now()
	err := f()
	j.took[stage] += time.Since(t0)
	return err
}

func (j *job) run(ctx context.Context) (*earkiv.Receipt, error) {
	w := j.w
	store, err := w.cfg.Store(j.t)
	if err != nil {
		return nil, stage("store", err)
	}
	j.store = store
	defer j.cleanupSpool()
	defer func() {
		w.cfg.Log.Debug("ingest stages", "submission", j.req.SubmissionID, "fetch", j.took["fetch"], "validate", j.took["validate"], "store", j.took["store"])
	}()
	var rec *earkiv.Receipt
	var open func() (pkgfs.Package, error)
	if err := j.timed("fetch", func() (err error) { rec, open, err = j.fetch(ctx); return err }); rec != nil || err != nil {
		return rec, err
	}
	defer j.releaseMemory()
	var held int64 // a package read into memory
	if j.req.Size > 0 && j.req.Size <= w.cfg.MemoryBelow {
		held = j.req.Size
	}
	var res *validate.Result
	err = j.timed("validate", func() (err error) {
		res, j.pkg, err = w.cfg.Validator.ValidateOpen(ctx, j.req.Name, j.budgeted(ctx, open, held))
		return err
	})
	if j.eager != nil {
		j.eager.wait()
		defer func() {
			// Whatever this attempt stored and the AIP does not keep goes,
			// also when the worker is being stopped.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), eventWait)
			defer cancel()
			j.eager.discard(ctx)
		}()
	}
	if err != nil {
		return nil, stage("validate", err)
	}
	if j.pkg != nil {
		defer func() { _ = j.pkg.Close() }() // read only
	}
	if err := j.sourceErr(); err != nil {
		return nil, stage("fetch", err) // the package store returned other bytes than were sent
	}
	if j.vouch && !vouched(j.pkg, res, j.req.Sums) {
		w.cfg.Log.Debug("package digest checked: not every file has a SHA-256 from the producer", "submission", j.req.SubmissionID)
		err := j.checkDigest(ctx)
		w.cfg.Hook("digest-pass", fmt.Sprint(err))
		if err != nil {
			return nil, stage("fetch", err)
		}
	}
	j.verified.Store(true) // the package as read is the package as sent
	rep := res.Report
	rep.Package = j.req.Name
	j.rec.Report = rep
	j.rec.Files, j.rec.Bytes = rep.Files, rep.Bytes
	// The package id becomes a receipt key and an event field: only one
	// that passes ids.Package (validation's PKG-ID) gets there.
	if res.Package != nil && res.Package.ObjID != "" && ids.Package(res.Package.ObjID) == nil {
		j.rec.PackageID = res.Package.ObjID
		j.aipID = aip.ID(j.t.ID, res.Package.ObjID)
	} else if res.Package != nil && res.Package.ObjID != "" && rep.Valid {
		return nil, stage("validate", fmt.Errorf("validation passed a package id that ids.Package refuses: %s", ids.Quote(res.Package.ObjID)))
	}
	if !rep.Valid {
		j.event(earkiv.Event{Tenant: j.t.ID, Type: earkiv.ValidationFailed, SubmissionID: j.req.SubmissionID, PackageID: j.rec.PackageID,
			Outcome: earkiv.Failure, Detail: fmt.Sprintf("%s: %s", plural(rep.Errors, "error"), strings.Join(rep.RuleIDs(report.MUST), ", "))})
		return j.finish(ctx, earkiv.Rejected, fmt.Sprintf("the package is not valid (%s; rules %s)", plural(rep.Errors, "error"), strings.Join(rep.RuleIDs(report.MUST), ", ")))
	}
	j.event(earkiv.Event{Tenant: j.t.ID, Type: earkiv.ValidationPassed, SubmissionID: j.req.SubmissionID, PackageID: j.rec.PackageID,
		Outcome: earkiv.Success, Detail: fmt.Sprintf("%s, %s", plural(rep.Files, "file"), plural(rep.Warnings, "warning"))})
	if reason := j.checkTenant(res.Package); reason != "" {
		return j.finish(ctx, earkiv.Rejected, reason)
	}
	return j.archive(ctx, res)
}

// fetch prepares to read the package from the package store, in one of
// three ways by its size. A small package is read into memory once: no file
// is written, and at most Concurrency x MemoryBelow bytes are held (a
// typical closed case, a few documents and their metadata, is well under
// the default). A zip, or a tar up to SpoolBelow, is copied to the spool
// folder for random access. A big tar is read from the store on each pass
// and never touches the worker's disk; on a first attempt its files are
// stored as validation reads them (eagerStore). Every way, each full read
// checks the package's SHA-256 digest, except where every file can be
// vouched for instead (see vouched).
func (j *job) fetch(ctx context.Context) (*earkiv.Receipt, func() (pkgfs.Package, error), error) {
	size := j.req.Size
	if size <= 0 || size > j.w.cfg.MemoryBelow {
		// The request may not say (an older client); a bigger package is
		// worth the extra round trip to check the request against the store.
		obs, err := j.w.cfg.Queue.PackageStore(ctx, j.t.ID)
		if err != nil {
			return nil, nil, stage("fetch", err)
		}
		info, err := obs.GetInfo(ctx, j.req.Object)
		if err != nil {
			return j.fetchFailed(ctx, err)
		}
		if size > 0 && int64(info.Size) != size {
			return nil, nil, stage("fetch", fmt.Errorf("package %s holds %d bytes, the request says %d", j.req.Object, info.Size, size))
		}
		size = int64(info.Size)
	}
	switch {
	case size <= j.w.cfg.MemoryBelow:
		data, err := j.memCopy(ctx, size)
		if err != nil {
			return j.fetchFailed(ctx, err)
		}
		j.vouch = j.memDigest != nil
		return nil, func() (pkgfs.Package, error) { return pkgfs.OpenBytes(j.req.Name, data, pkgfs.Limits{}) }, nil
	case j.req.Format == "zip" || size <= j.w.cfg.SpoolBelow:
		return j.spooled(ctx)
	}
	head, err := j.head(ctx)
	if err != nil {
		return j.fetchFailed(ctx, err)
	}
	if bytes.HasPrefix(head, []byte("PK")) {
		return j.spooled(ctx)
	}
	gz := len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b
	var tee pkgfs.Tee
	if !j.resume.Load() {
		// A first attempt stores the files as validation reads them. A
		// redelivery stores the ordinary way, which reuses what the
		// interrupted attempt stored and locked.
		j.eager = newEagerStore(ctx, j)
		tee = j.eager.tee
		j.vouch = len(j.req.Sums) > 0
	}
	return nil, func() (pkgfs.Package, error) {
		return pkgfs.OpenTarStreamTee(j.req.Name, gz, j.source(ctx), pkgfs.Limits{}, tee)
	}, nil
}

// fetchFailed turns a failed read of the package store into fetch's result:
// a package that is not there gets a rejection, anything else is retried.
func (j *job) fetchFailed(ctx context.Context, err error) (*earkiv.Receipt, func() (pkgfs.Package, error), error) {
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		rec, err := j.finish(ctx, earkiv.Rejected, fmt.Sprintf("package %q is not in the package store (never uploaded, or removed)", j.req.Object))
		return rec, nil, err
	}
	return nil, nil, stage("fetch", err)
}

// spooled copies the package to the spool folder and opens it from there.
func (j *job) spooled(ctx context.Context) (*earkiv.Receipt, func() (pkgfs.Package, error), error) {
	if err := j.spoolCopy(ctx); err != nil {
		return j.fetchFailed(ctx, err)
	}
	return nil, func() (pkgfs.Package, error) { return pkgfs.Open(j.spool, pkgfs.Limits{}) }, nil
}

// memCopy reads a small package into memory, refusing a package whose
// size is not the one the request or the store gave. A package with the
// producer's sums is read without its digest, kept in memDigest for when
// the sums cannot vouch for every file.
func (j *job) memCopy(ctx context.Context, size int64) ([]byte, error) {
	var data []byte
	var err error
	if len(j.req.Sums) > 0 {
		data, j.memDigest, err = j.w.cfg.Queue.ReadPackageUnhashed(ctx, j.t.ID, j.req.Object, size)
	} else {
		data, err = j.w.cfg.Queue.ReadPackage(ctx, j.t.ID, j.req.Object, size)
	}
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", j.req.Object, err)
	}
	return data, nil
}

// head reads the first bytes of the package, to tell zip from (gzipped) tar.
func (j *job) head(ctx context.Context) ([]byte, error) {
	obj, err := j.w.cfg.Queue.OpenPackage(ctx, j.t.ID, j.req.Object)
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	b := make([]byte, 4)
	n, err := io.ReadFull(obj, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b[:n], nil
}

// source opens the package for one in-order pass. Closing drains the rest,
// so a pass always reads to the end, where the package store's digest is
// checked; a mismatch is kept in srcErr and fails the attempt. Validation's
// passes are all checked so, unless the producer's sums let every file be
// vouched for by a SHA-256 the producer wrote (vouch; then the digest is
// checked only when that fails). The store pass that follows is not: it
// sends each file's SHA-256 from those checked passes with the file's
// upload and the S3 store refuses bytes that differ, so hashing the whole
// package again would only repeat that check (about a second of CPU per GB).
func (j *job) source(ctx context.Context) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		open := j.w.cfg.Queue.OpenPackage
		if j.verified.Load() || j.vouch {
			open = j.w.cfg.Queue.OpenPackageUnhashed
		}
		obj, err := open(ctx, j.t.ID, j.req.Object)
		if err != nil {
			return nil, err
		}
		return &drainCloser{r: obj, c: obj, fail: j.setSourceErr}, nil
	}
}

// checkDigest checks the package's digest: by hashing the bytes read, for
// a package in memory, or else by reading the package once more.
func (j *job) checkDigest(ctx context.Context) error {
	if j.memDigest != nil {
		return j.memDigest()
	}
	rc, err := j.w.cfg.Queue.OpenPackage(ctx, j.t.ID, j.req.Object)
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.CopyBuffer(io.Discard, struct{ io.Reader }{rc}, make([]byte, 1<<20))
	return err
}

func (j *job) setSourceErr(err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.srcErr == nil {
		j.srcErr = fmt.Errorf("package %s: %w", j.req.Object, err)
	}
}

func (j *job) sourceErr() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.srcErr
}

type drainCloser struct {
	r    io.Reader
	c    io.Closer
	fail func(error)
	err  error
}

func (d *drainCloser) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		d.err = err
		d.fail(err)
	}
	return n, err
}

func (d *drainCloser) Close() error {
	if d.err == nil {
		if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{d}, make([]byte, 1<<20)); err != nil && d.err == nil {
			d.fail(err)
		}
	}
	return d.c.Close()
}

// spoolCopy copies the package to the spool folder (mid-sized packages, zips).
func (j *job) spoolCopy(ctx context.Context) error {
	if err := ids.Submission(j.req.SubmissionID); err != nil {
		return err // Process refuses such a request; never a path
	}
	j.spool = filepath.Join(j.w.cfg.SpoolDir, j.req.SubmissionID+".pkg")
	f, err := os.OpenFile(j.spool, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	n, err := j.w.cfg.Queue.CopyPackage(ctx, j.t.ID, j.req.Object, bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("package %s: %w", j.req.Object, err)
	}
	if j.req.Size > 0 && n != j.req.Size {
		return fmt.Errorf("package %s: got %d bytes, request says %d", j.req.Object, n, j.req.Size)
	}
	return nil
}

func (j *job) cleanupSpool() {
	if j.spool != "" {
		os.Remove(j.spool)
	}
}

// checkTenant rejects a package addressed to another archive authority: the
// archivist (FGS) or preservation agency (E-ARK) must carry the tenant's
// organisation number.
func (j *job) checkTenant(p *fgs.Package) string {
	a := p.Archivist()
	if a == nil {
		return fmt.Sprintf("the package names no archivist organisation; %s only accepts packages addressed to %s (%s)", j.t.ID, j.t.Name, j.t.OrgNumber)
	}
	got := tenant.NormalizeOrgNumber(a.OrgID)
	if got == "" {
		return fmt.Sprintf("the archivist %q has no organisation number; %s only accepts packages addressed to %s (%s)", a.Name, j.t.ID, j.t.Name, j.t.OrgNumber)
	}
	if got != tenant.NormalizeOrgNumber(j.t.OrgNumber) {
		return fmt.Sprintf("the package is addressed to archivist %q (%s), not to %s (%s)", a.Name, a.OrgID, j.t.Name, j.t.OrgNumber)
	}
	return ""
}

// finish stores the receipt, announces it and removes the package from the
// package store. Only then is the request acknowledged (by the caller).
func (j *job) finish(ctx context.Context, status earkiv.Status, reason string) (*earkiv.Receipt, error) {
	w := j.w
	j.rec.Status, j.rec.Reason = status, reason
	j.rec.Finished = w.cfg.Now().UTC()
	// Nothing this submission stored outside its AIP outlives its receipt.
	if j.eager != nil {
		j.eager.discard(ctx)
	}
	if j.resume.Load() {
		j.sweep(ctx)
	}
	j.flushEvents(ctx)
	if err := w.cfg.Queue.PutReceipt(ctx, j.rec); err != nil {
		return nil, stage("receipt", err)
	}
	// The receipt is out: finish the clean-up even if the worker is being
	// stopped, so the request is acknowledged rather than redone.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), eventWait)
	defer cancel()
	j.event(receiptEvent(j.rec))
	w.cfg.Metrics.Packages.WithLabelValues(j.t.ID, string(status)).Inc()
	w.removePackage(ctx, j.t.ID, j.req.Object)
	j.flushEvents(ctx)
	return j.rec, nil
}

// removePackage deletes a receipted package from the package store. A
// failure only leaves a copy behind; the receipt stands.
func (w *Worker) removePackage(ctx context.Context, tenantID, object string) {
	obs, err := w.cfg.Queue.PackageStore(ctx, tenantID)
	if err == nil {
		err = obs.Delete(ctx, object)
	}
	if err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		w.cfg.Log.Warn("remove receipted package from the package store", "object", object, "err", err)
	}
}

// retry runs op until it succeeds, fails for good, or the store stays
// unavailable for StoreRetry.
func (j *job) retry(ctx context.Context, what string, op func() error) error {
	deadline := time.Now().Add(j.w.cfg.StoreRetry)
	wait := 200 * time.Millisecond
	for {
		err := op()
		if err == nil || !storage.IsTransient(err) || time.Now().After(deadline) {
			return err
		}
		j.resume.Store(true) // the failed try may have stored some objects
		j.w.cfg.Log.Warn("store unavailable; retrying", "op", what, "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 5*time.Second)
	}
}

// archive stores the AIP (or finds it already stored) and receipts it.
func (j *job) archive(ctx context.Context, res *validate.Result) (*earkiv.Receipt, error) {
	w := j.w
	p := res.Package
	aipID := aip.ID(j.t.ID, p.ObjID)
	j.rec.AIPID = aipID
	var files []earkiv.FileSum
	for _, name := range slices.Sorted(maps.Keys(res.Digests)) {
		d := res.Digests[name]
		files = append(files, earkiv.FileSum{Path: name, Size: d.Size, SHA256: d.Digests[fixity.SHA256]})
	}
	digest := aip.PackageDigest(files)
	j.rec.Checksums = files
	if err := j.ensureBucket(ctx, true); err != nil {
		return nil, stage("store", err)
	}

	// Is this package archived already?
	existing, err := j.readManifest(ctx, aipID)
	if err != nil {
		return nil, stage("store", err)
	}
	if existing != nil {
		switch {
		case existing.SubmissionID == j.req.SubmissionID:
			// This very submission finished storing before a crash: announce and receipt it.
			j.keep(existing)
			if err := j.replicate(ctx, existing); err != nil {
				return nil, err
			}
			j.announce(existing)
			return j.finish(ctx, earkiv.Accepted, "")
		case existing.Digest == digest:
			return j.finish(ctx, earkiv.Duplicate, fmt.Sprintf("package %q is already archived as AIP %s (submission %s, %s) with identical content; nothing new was stored",
				p.ObjID, aipID, existing.SubmissionID, existing.Created.Format(time.RFC3339)))
		default:
			diff := aip.DiffFiles(existing.Submission(), files, 10)
			return j.finish(ctx, earkiv.Rejected, fmt.Sprintf("conflict: package id %q is already archived as AIP %s (submission %s) with different content: %s. A changed delivery needs a new package id",
				p.ObjID, aipID, existing.SubmissionID, strings.Join(diff, "; ")))
		}
	}

	now := w.cfg.Now().UTC()
	ret, err := j.retention(now)
	if err != nil {
		return nil, stage("retention", err)
	}
	lock := ret.Lock()
	pkg := j.pkg
	mimes := mimeTypes(p.Files)
	m := &aip.Manifest{
		Format: aip.ManifestFormat, Tenant: j.t.ID, Bucket: j.t.Bucket, AIPID: aipID, PackageID: p.ObjID, SubmissionID: j.req.SubmissionID,
		Family: string(p.Family), Profile: p.Profile, Label: p.Label, ContentType: p.ContentType,
		SubmissionAgreement: p.SubmissionAgreement(), Submitted: j.req.Submitted, Created: now, Digest: digest,
		Files: len(files), Bytes: j.rec.Bytes, Retention: ret, Software: "earkiv " + w.cfg.Version,
		Validation: aip.Validation{Valid: true, Errors: res.Report.Errors, Warnings: res.Report.Warnings},
	}
	m.Archivist, m.Creator, m.Submitter = party(p.Archivist()), party(p.Creator()), party(p.Submitter())
	for _, f := range files {
		m.Objects = append(m.Objects, aip.Object{Key: aip.SubmissionKey(aipID, f.Path), Path: "submission/" + f.Path,
			Role: aip.RoleSubmission, Size: f.Size, SHA256: f.SHA256, MIME: contentType(mimes, f.Path)})
	}
	m.Cases = describe(pkg, res.Metadata)
	if err := j.timed("store", func() error {
		var stored map[string]bool
		if j.eager != nil {
			var err error
			if stored, err = j.eager.adopt(ctx, m.Objects, lock); err != nil {
				return stage("store", err)
			}
		}
		return j.storeSubmission(ctx, pkg, m, lock, stored)
	}); err != nil {
		return nil, err
	}
	storedAt := w.cfg.Now().UTC()

	// PREMIS, then the AIP METS that lists it, then the manifest.
	agents := []aip.Agent{{ID: "earkiv", Name: "earkiv", Type: "software", Version: w.cfg.Version},
		{ID: "org:" + j.t.OrgNumber, Name: j.t.Name, Type: "organization"}}
	if s := p.Software(); s != nil {
		agents = append(agents, aip.Agent{ID: "producer-software", Name: s.Name, Type: "software"})
	}
	ev := func(typ, detail, note string, at time.Time, agentIDs ...string) aip.Event {
		e := aip.NewEvent(typ, detail, "success", note, at)
		e.Agents = append([]string{"earkiv"}, agentIDs...)
		return e
	}
	events := []aip.Event{
		ev("ingestion", fmt.Sprintf("submission %s (%s, %s) received from %s's producer", j.req.SubmissionID, j.req.Name, j.req.Format, j.t.ID), "", j.rec.Started, "org:"+j.t.OrgNumber),
		ev("validation", fmt.Sprintf("validated as %s (%s) against the official schemas and earkiv's rule tables", p.Family, p.Profile),
			fmt.Sprintf("valid; %d warnings", res.Report.Warnings), j.rec.Started),
		ev("fixity check", "checksums declared in the METS compared with the submitted bytes", fmt.Sprintf("%d files agree", len(files)), j.rec.Started),
		ev("message digest calculation", "SHA-256 computed for every file while validating and again while storing", "", storedAt),
		ev("accession", fmt.Sprintf("stored in bucket %s with Object Lock %s", j.t.Bucket, lockText(ret)), fmt.Sprintf("%d objects, %d bytes", len(files), j.rec.Bytes), storedAt),
	}
	premis, err := aip.PREMIS(m, events, agents)
	if err != nil {
		return nil, stage("aip", err)
	}
	if err := j.putDoc(ctx, m, aip.PREMISKey(aipID), aip.RolePREMIS, premis, lock); err != nil {
		return nil, err
	}
	mets, err := aip.METS(m, j.t.Name, j.t.OrgNumber, w.cfg.Version)
	if err != nil {
		return nil, stage("aip", err)
	}
	if err := j.putDoc(ctx, m, aip.METSKey(aipID), aip.RoleMETS, mets, lock); err != nil {
		return nil, err
	}
	mb, err := m.Encode()
	if err != nil {
		return nil, stage("aip", err)
	}
	if _, err := j.putBytes(ctx, aip.ManifestKey(aipID), mb, "application/json", lock); err != nil {
		return nil, err
	}
	j.keep(m)
	w.cfg.Hook("aip-complete", aipID)
	if err := j.replicate(ctx, m); err != nil {
		return nil, err
	}
	w.cfg.Metrics.Bytes.WithLabelValues(j.t.ID).Add(float64(j.rec.Bytes))
	w.cfg.Metrics.Files.WithLabelValues(j.t.ID).Add(float64(len(files)))
	j.announce(m)
	return j.finish(ctx, earkiv.Accepted, "")
}

// replicate copies a complete AIP to the tenant's replica, manifest last, so
// the replica too holds only complete AIPs. Objects already there with the
// right checksum are skipped, which makes it safe to repeat after a crash.
func (j *job) replicate(ctx context.Context, m *aip.Manifest) error {
	if j.w.cfg.Replica == nil {
		return nil
	}
	rst, rbucket, err := j.w.cfg.Replica(j.t)
	if err != nil || rst == nil {
		return stage("replica", err)
	}
	if err := j.retry(ctx, "replica bucket", func() error { return rst.EnsureBucket(ctx, rbucket) }); err != nil {
		return stage("replica", err)
	}
	lock := m.Retention.Lock()
	mi, err := j.store.Stat(ctx, j.t.Bucket, aip.ManifestKey(m.AIPID))
	if err != nil {
		return stage("replica", err)
	}
	objs := append(append([]aip.Object(nil), m.Objects...), aip.Object{Key: mi.Key, Size: mi.Size, SHA256: mi.SHA256, MIME: "application/json"})
	for _, o := range objs {
		err := j.retry(ctx, "replicate "+o.Key, func() error {
			if _, ok, err := rst.Has(ctx, rbucket, o.Key, o.Size, o.SHA256); err != nil || ok {
				return err
			}
			rc, _, err := j.store.Get(ctx, j.t.Bucket, o.Key)
			if err != nil {
				return err
			}
			defer rc.Close()
			_, err = putObject(ctx, rst, rbucket, o, rc, lock, nil)
			return err
		})
		if err != nil {
			return stage("replica", err)
		}
	}
	return nil
}

// announce publishes aip.stored. A small manifest travels in the event, so
// the catalog need not read it back from the bucket; a big one is read there.
func (j *job) announce(m *aip.Manifest) {
	e := earkiv.Event{Tenant: j.t.ID, Type: earkiv.AIPStored, SubmissionID: m.SubmissionID, PackageID: m.PackageID, AIPID: m.AIPID,
		Outcome: earkiv.Success, Detail: fmt.Sprintf("%d files, %d bytes in %s", m.Files, m.Bytes, m.Bucket)}
	if b, err := json.Marshal(m); err == nil && len(b) <= maxEventManifest {
		e.Data = b
	}
	j.event(e)
}

// maxEventManifest keeps events well under NATS's default 1 MiB payload.
const maxEventManifest = 256 << 10

func lockText(r aip.Retention) string {
	if r.LegalHold {
		return "legal hold (kept without end date)"
	}
	return fmt.Sprintf("%s until %s", r.Mode, r.RetainUntil.Format("2006-01-02"))
}

// retention is the Object Lock for an AIP stored now: the tenant's period,
// or a legal hold for keep-forever.
func (j *job) retention(now time.Time) (aip.Retention, error) {
	if j.t.Retention.Forever() {
		return aip.Retention{LegalHold: true}, nil
	}
	until, err := j.t.Retention.Until(now)
	if err != nil {
		return aip.Retention{}, err
	}
	return aip.Retention{Mode: j.t.RetentionMode(), RetainUntil: until.Truncate(time.Second)}, nil
}

// readManifest returns the AIP's manifest, nil if the AIP does not exist.
func (j *job) readManifest(ctx context.Context, aipID string) (*aip.Manifest, error) {
	var m *aip.Manifest
	err := j.retry(ctx, "manifest", func() error {
		var err error
		m, err = aip.ReadManifest(ctx, j.store, j.t.Bucket, aipID)
		if errors.Is(err, storage.ErrNotFound) {
			m, err = nil, nil
		}
		return err
	})
	return m, err
}

// storeSubmission uploads every submitted file but those in stored (done
// while validating), skipping files a previous attempt already stored with
// the same SHA-256 (and locking them, if that attempt had not). The
// expected digest from validation goes with each upload, so the bytes
// stored are the bytes validated.
func (j *job) storeSubmission(ctx context.Context, pkg pkgfs.Package, m *aip.Manifest, lock storage.Lock, stored map[string]bool) error {
	byPath := map[string]*aip.Object{}
	for i := range m.Objects {
		if p := strings.TrimPrefix(m.Objects[i].Path, "submission/"); !stored[p] {
			byPath[p] = &m.Objects[i]
		}
	}
	if len(byPath) == 0 {
		return nil
	}
	put := func(ctx context.Context, o *aip.Object, open func() (io.ReadCloser, error), retry bool) error {
		attempt := func() error {
			if j.resume.Load() {
				if in, ok, err := j.store.Has(ctx, j.t.Bucket, o.Key, o.Size, o.SHA256); err != nil {
					return err
				} else if ok {
					// Stored by an earlier attempt, perhaps one that was
					// killed before it locked what it stored while validating.
					if !covers(in.Lock, lock) {
						if err := j.store.SetLock(ctx, j.t.Bucket, o.Key, in.VersionID, lock); err != nil {
							return err
						}
					}
					o.VersionID = in.VersionID
					return nil
				}
			}
			rc, err := open()
			if err != nil {
				return err
			}
			defer rc.Close()
			in, err := putObject(ctx, j.store, j.t.Bucket, *o, rc, lock, j.meta())
			if err != nil {
				return err
			}
			o.VersionID = in.VersionID
			return nil
		}
		var err error
		if retry {
			err = j.retry(ctx, "put "+o.Key, attempt)
		} else {
			err = attempt()
		}
		if err != nil {
			return err
		}
		j.w.cfg.Hook("object-stored", o.Key)
		return nil
	}
	if !pkg.Concurrent() {
		// In-order packages stream each entry straight to S3. A failed
		// upload cannot re-read its bytes, so the whole pass is retried;
		// objects already stored are skipped by their checksum.
		return stage("store", j.retry(ctx, "store "+j.req.Object, func() error {
			err := pkg.Walk(ctx, func(e pkgfs.Entry, r io.Reader) error {
				if stored[e.Name] {
					return nil
				}
				o := byPath[e.Name]
				if o == nil {
					return fmt.Errorf("%s was not hashed during validation", e.Name)
				}
				return put(ctx, o, func() (io.ReadCloser, error) { return io.NopCloser(r), nil }, false)
			})
			if err == nil {
				err = j.sourceErr()
			}
			return err
		}))
	}
	var entries []pkgfs.Entry
	for _, e := range pkg.Entries() {
		if stored[e.Name] {
			continue
		}
		if byPath[e.Name] == nil {
			return fmt.Errorf("store: %s was not hashed during validation", e.Name)
		}
		entries = append(entries, e)
	}
	return stage("store", each(ctx, j.w.uploaders, j.w.cfg.Uploads, entries, func(ctx context.Context, e pkgfs.Entry) error {
		return put(ctx, byPath[e.Name], func() (io.ReadCloser, error) { return pkg.Open(e.Name) }, true)
	}))
}

// covers tells whether an object's lock is at least the lock wanted: held
// if a hold is wanted, retained as long, in the same or the stricter mode.
func covers(have, want storage.Lock) bool {
	if want.LegalHold && !have.LegalHold {
		return false
	}
	if want.RetainUntil.IsZero() {
		return true
	}
	return !have.RetainUntil.Before(want.RetainUntil) && (have.Mode == want.Mode || have.Mode == "COMPLIANCE")
}

// meta is the user metadata of a submitted file's object.
func (j *job) meta() map[string]string { return map[string]string{metaSubmission: j.req.SubmissionID} }

// ensureBucket makes sure the tenant's bucket exists with Object Lock, once
// per worker; retry keeps trying while the store is unavailable.
func (j *job) ensureBucket(ctx context.Context, retry bool) error {
	if _, ok := j.w.buckets.Load(j.t.Bucket); ok {
		return nil
	}
	op := func() error { return j.store.EnsureBucket(ctx, j.t.Bucket) }
	var err error
	if retry {
		err = j.retry(ctx, "bucket", op)
	} else {
		err = op()
	}
	if err == nil {
		j.w.buckets.Store(j.t.Bucket, true)
	}
	return err
}

// keep records the versions m lists, which sweep leaves alone.
func (j *job) keep(m *aip.Manifest) {
	j.kept = map[string]bool{}
	for _, o := range m.Objects {
		j.kept[o.VersionID] = true
	}
}

// sweep removes what an interrupted attempt of this submission stored in
// the package's AIP folder and the AIP does not list: files uploaded while
// validating, left unlocked by a worker killed before the package was
// accepted or rejected. Versions of other submissions are not touched.
func (j *job) sweep(ctx context.Context) {
	if j.aipID == "" {
		return
	}
	for v, err := range j.store.Versions(ctx, j.t.Bucket, j.aipID+"/") {
		if err != nil {
			j.w.cfg.Log.Warn("sweep after an interrupted attempt", "aip", j.aipID, "err", err)
			return
		}
		if v.Meta[metaSubmission] != j.req.SubmissionID || j.kept[v.VersionID] {
			continue
		}
		if err := j.store.RemoveVersion(ctx, j.t.Bucket, v.Key, v.VersionID); err != nil {
			j.w.cfg.Log.Warn("remove a file an interrupted attempt stored", "key", v.Key, "version", v.VersionID, "err", err)
		}
	}
}

// putObject stores an AIP object's bytes, which the store verifies against
// the SHA-256 the AIP records.
func putObject(ctx context.Context, st *storage.Store, bucket string, o aip.Object, r io.Reader, lock storage.Lock, meta map[string]string) (storage.Info, error) {
	sum, err := storage.ParseSHA256(o.SHA256)
	if err != nil {
		return storage.Info{}, err
	}
	return st.Put(ctx, bucket, o.Key, r, storage.PutOptions{Size: o.Size, SHA256: sum, ContentType: o.MIME, Lock: lock, Meta: meta})
}

// putDoc stores an XML document the AIP writes itself and lists it in m.
func (j *job) putDoc(ctx context.Context, m *aip.Manifest, key, role string, doc []byte, lock storage.Lock) error {
	in, err := j.putBytes(ctx, key, doc, "text/xml", lock)
	if err != nil {
		return err
	}
	m.Objects = append(m.Objects, aip.Object{Key: in.Key, Path: strings.TrimPrefix(key, m.AIPID+"/"), Role: role,
		Size: in.Size, SHA256: in.SHA256, MIME: "text/xml", VersionID: in.VersionID})
	return nil
}

func (j *job) putBytes(ctx context.Context, key string, b []byte, ctype string, lock storage.Lock) (storage.Info, error) {
	var in storage.Info
	sum := sha256Bytes(b)
	err := j.retry(ctx, "put "+key, func() error {
		var err error
		in, err = j.store.Put(ctx, j.t.Bucket, key, bytes.NewReader(b), storage.PutOptions{Size: int64(len(b)), SHA256: sum, ContentType: ctype, Lock: lock})
		return err
	})
	return in, stage("store", err)
}

func party(a *fgs.Agent) aip.Party {
	if a == nil {
		return aip.Party{}
	}
	return aip.Party{Name: a.Name, OrgID: a.OrgID}
}

// maxDescribe bounds a metadata file describe holds in memory as a tree; a
// bigger one is still validated and stored, its cases are not catalogued.
const maxDescribe = 256 << 20

// describe extracts cases and documents from the descriptive metadata files
// validation found (FGS Ärendehantering, CITS ERMS), in path order.
func describe(pkg pkgfs.Package, metadata map[string]string) []records.Case {
	var out []records.Case
	for _, name := range slices.Sorted(maps.Keys(metadata)) {
		if !records.Handles(metadata[name]) {
			continue
		}
		rc, err := pkg.Open(name)
		if err != nil {
			continue
		}
		doc, err := xmlsafe.Parse(rc, xmlsafe.Limits{MaxBytes: maxDescribe, MaxDepth: xmlsafe.DefaultLimits.MaxDepth})
		rc.Close()
		if err != nil {
			continue // validation already reported unreadable XML
		}
		if cases, ok := records.Extract(doc.Root()); ok {
			out = append(out, cases...)
		}
	}
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func sha256Bytes(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

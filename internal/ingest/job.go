package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/pkgfs"
	"github.com/earkiv/earkiv/internal/report"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/validate"
)

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
		} else if !errors.Is(err, earkiv.ErrNoReceipt) {
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
	store  *storage.Store // the tenant's primary store
	bucket string         // and bucket there
	spool  string         // mid-sized packages and zips: a local copy for random access
	pkg    pkgfs.Package  // the package as validated, reused to store it
	mu     sync.Mutex     // guards srcErr
	srcErr error          // a pass over the stored package failed its digest check
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
	b, err := w.cfg.Place.Primary(j.t)
	if err != nil {
		return nil, stage("store", err)
	}
	j.store, j.bucket = b.Store, b.Name
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
	if reason := j.t.CheckArchivist(res.Package.Archivist()); reason != "" {
		return j.finish(ctx, earkiv.Rejected, reason)
	}
	return j.archive(ctx, res)
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
	if err := w.pkgs.Remove(ctx, tenantID, object); err != nil {
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
		j.w.cfg.Hook("store-retry", what)
		j.w.cfg.Log.Warn("store unavailable; retrying", "op", what, "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 5*time.Second)
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

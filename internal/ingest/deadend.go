package ingest

import (
	"context"
	"encoding/json"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ids"
)

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

// deadLetter keeps the request as it came for operators.
func (w *Worker) deadLetter(ctx context.Context, tenantID string, data []byte, cause error) {
	if err := w.cfg.Queue.DeadLetter(ctx, tenantID, data, cause, w.cfg.Now()); err != nil {
		w.cfg.Log.Error("dead letter", "tenant", tenantID, "err", err)
	}
}

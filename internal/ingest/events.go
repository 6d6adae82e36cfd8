package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/queue"
)

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

// pendingEvent is an event published, not yet known to be stored.
type pendingEvent struct {
	typ earkiv.EventType
	f   *queue.Future
}

// eventWait bounds the wait for the event stream's acknowledgements.
const eventWait = 30 * time.Second

func (j *job) flushEvents(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, eventWait)
	defer cancel()
	for _, p := range j.events {
		if _, err := p.f.Wait(ctx); err != nil {
			j.w.cfg.Log.Warn("publish event", "type", p.typ, "err", err)
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

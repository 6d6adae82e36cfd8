package queue

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ids"
)

// DefaultReceiptPart is the largest receipt stored as one KV value. A
// bigger one (a delivery of tens of thousands of files, each with its
// SHA-256) is stored in parts of this size, and its head entry says how
// many: a NATS message, and so a KV value, holds at most 8 MiB.
const DefaultReceiptPart = 512 << 10

// storedReceipt is a receipt as the KV holds it: a receipt stored in parts
// has a head entry that says how many and their SHA-256.
type storedReceipt struct {
	earkiv.Receipt
	Parts       int    `json:"receiptParts,omitempty"`
	PartsSHA256 string `json:"receiptSHA256,omitempty"`
}

func (c *Client) receipts(ctx context.Context, tenant string) (jetstream.KeyValue, error) {
	return cached(c, &c.kvs, tenant, "receipts", func() (jetstream.KeyValue, error) {
		return c.js.KeyValue(ctx, ReceiptBucket(tenant))
	})
}

func (c *Client) partSize() int {
	if c.ReceiptPart > 0 {
		return c.ReceiptPart
	}
	return DefaultReceiptPart
}

// PutReceipt stores a receipt under its submission id and its package id.
// A receipt bigger than a part is written as parts first and its head
// last, so a reader never sees a head whose parts are not there.
func (c *Client) PutReceipt(ctx context.Context, r *earkiv.Receipt) error {
	kv, err := c.receipts(ctx, r.Tenant)
	if err != nil {
		return err
	}
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if size := c.partSize(); len(data) > size {
		n := 0
		for off := 0; off < len(data); off += size {
			if _, err := kv.Put(ctx, partKey(r.SubmissionID, n), data[off:min(off+size, len(data))]); err != nil {
				return fmt.Errorf("store receipt %s: part %d: %w", ids.Quote(r.SubmissionID), n, err)
			}
			n++
		}
		sum := sha256.Sum256(data)
		head := storedReceipt{Receipt: *r, Parts: n, PartsSHA256: hex.EncodeToString(sum[:])}
		head.Checksums, head.Report = nil, nil
		if data, err = json.Marshal(&head); err != nil {
			return err
		}
	}
	// The key by package id first: the one by submission id is what the
	// producer waits for and what a redelivery looks for, so it is written
	// last, once the receipt is stored under both.
	if r.PackageID != "" && !keepPackageReceipt(ctx, c, kv, r) {
		if _, err := kv.Put(ctx, packageKey(r.PackageID), data); err != nil {
			return fmt.Errorf("store receipt %s: %w", ids.Quote(r.SubmissionID), err)
		}
	}
	if _, err := kv.Put(ctx, submissionKey(r.SubmissionID), data); err != nil {
		return fmt.Errorf("store receipt %s: %w", ids.Quote(r.SubmissionID), err)
	}
	return nil
}

// keepPackageReceipt tells whether the receipt that archived a package
// stands: later duplicate or conflicting submissions do not hide it.
func keepPackageReceipt(ctx context.Context, c *Client, kv jetstream.KeyValue, r *earkiv.Receipt) bool {
	if r.Status == earkiv.Accepted {
		return false
	}
	e, err := kv.Get(ctx, packageKey(r.PackageID))
	if err != nil {
		return false
	}
	prev, err := c.decodeReceipt(ctx, kv, e.Value())
	return err == nil && prev.Status == earkiv.Accepted
}

// decodeReceipt reads a stored receipt, fetching its parts if it has any.
func (c *Client) decodeReceipt(ctx context.Context, kv jetstream.KeyValue, data []byte) (*earkiv.Receipt, error) {
	var r storedReceipt
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	if r.Parts == 0 {
		return &r.Receipt, nil
	}
	var buf bytes.Buffer
	for i := range r.Parts {
		e, err := kv.Get(ctx, partKey(r.SubmissionID, i))
		if err != nil {
			return nil, fmt.Errorf("part %d of %d: %w", i, r.Parts, err)
		}
		buf.Write(e.Value())
	}
	if sum := sha256.Sum256(buf.Bytes()); hex.EncodeToString(sum[:]) != r.PartsSHA256 {
		// A newer receipt for the same submission is being written.
		return nil, errPartsChanged
	}
	var full earkiv.Receipt
	if err := json.Unmarshal(buf.Bytes(), &full); err != nil {
		return nil, fmt.Errorf("parts: %w", err)
	}
	return &full, nil
}

var errPartsChanged = errors.New("the receipt's parts changed while they were read")

// get reads the receipt under key, reading it again if its parts were
// being rewritten.
func (c *Client) get(ctx context.Context, kv jetstream.KeyValue, key string) (*earkiv.Receipt, error) {
	for try := 0; ; try++ {
		e, err := kv.Get(ctx, key)
		if err != nil {
			return nil, err
		}
		r, err := c.decodeReceipt(ctx, kv, e.Value())
		if errors.Is(err, errPartsChanged) && try < 5 {
			continue
		}
		return r, err
	}
}

// entryReceipt reads the receipt a watched entry holds.
func (c *Client) entryReceipt(ctx context.Context, kv jetstream.KeyValue, e jetstream.KeyValueEntry) (*earkiv.Receipt, error) {
	r, err := c.decodeReceipt(ctx, kv, e.Value())
	if errors.Is(err, errPartsChanged) {
		// Superseded while read: a read now has it whole.
		return c.get(ctx, kv, e.Key())
	}
	return r, err
}

// Receipt returns tenant's receipt for a submission id or a package id.
func (c *Client) Receipt(ctx context.Context, tenant, id string) (*earkiv.Receipt, error) {
	kv, err := c.receipts(ctx, tenant)
	if err != nil {
		return nil, err
	}
	r, err := c.get(ctx, kv, submissionKey(id))
	if errors.Is(err, jetstream.ErrKeyNotFound) && ids.Package(id) == nil {
		r, err = c.get(ctx, kv, packageKey(id))
	}
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, fmt.Errorf("%s: %w", ids.Quote(id), earkiv.ErrNoReceipt)
	}
	if err != nil {
		return nil, fmt.Errorf("receipt %s: %w", ids.Quote(id), err)
	}
	return r, nil
}

// WaitReceipt blocks until the submission's receipt exists, ctx ends or the
// connection is closed for good.
func (c *Client) WaitReceipt(ctx context.Context, tenant, submissionID string) (*earkiv.Receipt, error) {
	kv, err := c.receipts(ctx, tenant)
	if err != nil {
		return nil, err
	}
	w, err := kv.Watch(ctx, submissionKey(submissionID))
	if err != nil {
		return nil, fmt.Errorf("wait for receipt %s: %w", ids.Quote(submissionID), err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for receipt %s: %w", ids.Quote(submissionID), ctx.Err())
		case <-c.closed:
			return nil, fmt.Errorf("wait for receipt %s: %w", ids.Quote(submissionID), c.closedErr())
		case e := <-w.Updates():
			if e == nil || e.Operation() != jetstream.KeyValuePut {
				continue
			}
			r, err := c.entryReceipt(ctx, kv, e)
			if err != nil {
				return nil, fmt.Errorf("receipt %s: %w", ids.Quote(submissionID), err)
			}
			return r, nil
		}
	}
}

// WatchReceipts delivers tenant's receipts through one subscription, so a
// case system submitting many packages waits for all of them at once: first
// the latest receipt of every submission so far (unless newOnly), then each
// new one as it is issued. The channel is closed when ctx ends or the
// connection is closed for good.
func (c *Client) WatchReceipts(ctx context.Context, tenant string, newOnly bool) (<-chan *earkiv.Receipt, error) {
	kv, err := c.receipts(ctx, tenant)
	if err != nil {
		return nil, err
	}
	var opts []jetstream.WatchOpt
	if newOnly {
		opts = append(opts, jetstream.UpdatesOnly())
	}
	w, err := kv.Watch(ctx, "sub.*", opts...)
	if err != nil {
		return nil, fmt.Errorf("watch receipts of %s: %w", tenant, err)
	}
	out := make(chan *earkiv.Receipt, 64)
	go func() {
		defer close(out)
		defer w.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-c.closed:
				return
			case e, ok := <-w.Updates():
				if !ok {
					return
				}
				if e == nil || e.Operation() != jetstream.KeyValuePut {
					continue
				}
				r, err := c.entryReceipt(ctx, kv, e)
				if err != nil {
					continue
				}
				select {
				case out <- r:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

// submissionKey is a receipt's KV key by submission id. An id earkiv's
// client made is a UUID and is used as it is; a request with any other id
// is refused with a receipt under a digest of the id, so that the key stays
// short and in the KV alphabet whatever the producer sent.
func submissionKey(id string) string {
	if ids.Submission(id) == nil {
		return "sub." + id
	}
	return "sub.x" + digestToken(id)
}

// packageKey is a receipt's KV key by package id. Package ids are free text
// (OBJID), so they are base64url-encoded into the KV key alphabet; one
// longer than ids.MaxPackageID (refused by validation) is keyed by digest.
func packageKey(id string) string {
	if len(id) > ids.MaxPackageID {
		return "pkg.x" + digestToken(id)
	}
	return "pkg." + strings.TrimRight(base64URL(id), "=")
}

// partKey is the key of part n of the receipt of a submission: beside its
// submission key, in the same short form.
func partKey(submissionID string, n int) string {
	return "part." + strings.TrimPrefix(submissionKey(submissionID), "sub.") + "." + strconv.Itoa(n)
}

func digestToken(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:20])
}

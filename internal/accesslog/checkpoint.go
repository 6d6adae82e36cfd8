package accesslog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/storage"
)

// Checkpoint is a signed statement of a tenant's log: its first N entries
// end in the entry with hash Head.
type Checkpoint struct {
	Tenant string
	N      uint64
	Head   tlog.Hash
	Time   time.Time
}

// CheckpointPrefix is where a tenant's bucket keeps its checkpoints.
const CheckpointPrefix = "accesslog/checkpoints/"

// checkpointHeader opens every checkpoint's text, so a note signed for
// something else is never taken for one.
const checkpointHeader = "earkiv access log checkpoint"

// checkpointKey is a checkpoint's object key; the padded count keeps keys
// in the order of the log.
func checkpointKey(n uint64) string { return fmt.Sprintf("%s%020d.txt", CheckpointPrefix, n) }

// text is the checkpoint as signed:
//
//	earkiv access log checkpoint
//	tenant <id>
//	<N>
//	<head, base64>
//	<time, RFC 3339>
func (c Checkpoint) text() string {
	return fmt.Sprintf("%s\ntenant %s\n%d\n%s\n%s\n", checkpointHeader, c.Tenant, c.N, c.Head, c.Time.UTC().Format(time.RFC3339))
}

// Sign makes the checkpoint's signed note.
func (c Checkpoint) Sign(s note.Signer) ([]byte, error) {
	b, err := note.Sign(&note.Note{Text: c.text()}, s)
	if err != nil {
		return nil, fmt.Errorf("sign checkpoint %d of %s: %w", c.N, c.Tenant, err)
	}
	return b, nil
}

// ErrBadSignature says a checkpoint's signature does not verify.
var ErrBadSignature = errors.New("checkpoint signature does not verify")

// OpenCheckpoint verifies a signed checkpoint of tenant and reads it.
func OpenCheckpoint(msg []byte, tenant string, v note.Verifier) (Checkpoint, error) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) != 5 || lines[0] != checkpointHeader {
		return Checkpoint{}, fmt.Errorf("checkpoint: not one (%q)", n.Text)
	}
	c := Checkpoint{Tenant: strings.TrimPrefix(lines[1], "tenant ")}
	if c.Tenant != tenant {
		return Checkpoint{}, fmt.Errorf("checkpoint: of tenant %q, not %q", c.Tenant, tenant)
	}
	if c.N, err = strconv.ParseUint(lines[2], 10, 64); err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint: count: %w", err)
	}
	if c.Head, err = tlog.ParseHash(lines[3]); err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint: head: %w", err)
	}
	if c.Time, err = time.Parse(time.RFC3339, lines[4]); err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint: time: %w", err)
	}
	return c, nil
}

// putCheckpoint stores a signed checkpoint under lock.
func putCheckpoint(ctx context.Context, st *storage.Store, bucket string, c Checkpoint, signed []byte, lock earkiv.Lock) error {
	_, err := st.Put(ctx, bucket, checkpointKey(c.N), bytes.NewReader(signed), storage.PutOptions{Size: int64(len(signed)), ContentType: "text/plain; charset=utf-8", Lock: lock})
	if err != nil {
		return fmt.Errorf("store checkpoint %d of %s: %w", c.N, c.Tenant, err)
	}
	return nil
}

// readCheckpoints reads and verifies every checkpoint in bucket, in order.
// A checkpoint that does not verify is returned as a problem, with the
// checkpoints before it.
func readCheckpoints(ctx context.Context, st *storage.Store, bucket, tenant string, v note.Verifier) ([]Checkpoint, *Problem, error) {
	var out []Checkpoint
	for in, err := range st.List(ctx, bucket, CheckpointPrefix) {
		if err != nil {
			return nil, nil, fmt.Errorf("checkpoints of %s: %w", tenant, err)
		}
		rc, _, err := st.Get(ctx, bucket, in.Key)
		if err != nil {
			return nil, nil, fmt.Errorf("checkpoints of %s: %w", tenant, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, 64<<10))
		_ = rc.Close() // read whole
		if err != nil {
			return nil, nil, fmt.Errorf("checkpoint %s of %s: %w", in.Key, tenant, err)
		}
		c, err := OpenCheckpoint(b, tenant, v)
		if err == nil && checkpointKey(c.N) != in.Key {
			err = fmt.Errorf("%w: it counts %d entries but is stored as %s", ErrBadSignature, c.N, in.Key)
		}
		if err != nil {
			return out, &Problem{Kind: BadSignature, Detail: fmt.Sprintf("checkpoint %s: %v", in.Key, err)}, nil
		}
		out = append(out, c)
	}
	return out, nil, nil
}

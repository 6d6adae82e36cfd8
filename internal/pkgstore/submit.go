package pkgstore

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/pack"
)

// SubmitOptions tune a submission.
type SubmitOptions struct {
	// SubmissionID lets a producer retry a submission it is unsure went
	// through; JetStream drops the repeated request. A new id if empty.
	SubmissionID string
}

// Submit puts the package at path (a folder, zip or tar) into tenant's
// package store, streaming it in chunks, then queues the ingest request. A
// folder is sent as a tar stream made on the fly (pack); nothing is held
// in memory.
func (s *Store) Submit(ctx context.Context, tenant, path string, o SubmitOptions) (*earkiv.Request, error) {
	if err := s.q.MayActFor(tenant); err != nil {
		return nil, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	id := o.SubmissionID
	if id == "" {
		u, err := uuid.NewV7()
		if err != nil {
			return nil, err
		}
		id = u.String()
	} else if err := ids.Submission(id); err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	req := &earkiv.Request{SubmissionID: id, Tenant: tenant, Object: id, Name: filepath.Base(path), Submitted: time.Now().UTC()}
	if err := ids.Name(req.Name); err != nil {
		return nil, fmt.Errorf("submit %s: %w", path, err)
	}
	var r io.Reader
	var size int64 = -1             // exact, for a file
	est := int64(-1)                // from above, for a folder
	var sums chan map[string]string // a folder's metadata sums, once it is packed
	switch {
	case fi.IsDir():
		req.Format = "dir"
		entries, n, err := pack.List(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("submit: %w", err)
		}
		est = n
		pr, pw := io.Pipe()
		sums = make(chan map[string]string, 1)
		// The packer ends with the pipe: when the upload has read the tar
		// to its end, or has stopped reading and closed it (deferred below).
		go func() {
			s := map[string]string{}
			err := pack.Tar(ctx, pw, path, entries, s)
			sums <- s
			pw.CloseWithError(err)
		}()
		defer pr.Close()
		r = &fullReader{r: pr} // whole chunks: a pipe returns each small tar write on its own
	default:
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("submit: %w", err)
		}
		defer func() { _ = f.Close() }() // read only
		req.Format = pack.Format(path)
		r, size, est = f, fi.Size(), fi.Size()
	}
	info, err := s.Put(ctx, tenant, Upload{Name: id, Description: req.Name, Estimate: est,
		Meta: map[string]string{"name": req.Name, "format": req.Format, "tenant": tenant}}, r)
	if err != nil {
		return nil, fmt.Errorf("submit %s to %s: upload: %w", path, tenant, err)
	}
	if size >= 0 && info.Size != size {
		return nil, fmt.Errorf("submit %s: uploaded %d bytes of %d (file changed while sending?)", path, info.Size, size)
	}
	req.Size, req.Digest = info.Size, info.Digest
	if sums != nil {
		if s := <-sums; len(s) <= earkiv.MaxRequestSums { // the upload read the tar to its end
			req.Sums = s
		}
	}
	if err := req.Check(); err != nil {
		return nil, fmt.Errorf("submit %s: %w", path, err) // a bug of this client, never sent
	}
	if err := s.q.Enqueue(ctx, req); err != nil {
		return nil, fmt.Errorf("submit to %s: publish request: %w", tenant, err)
	}
	return req, nil
}

// fullReader fills each Read completely (until EOF). The object store sends
// one message per Read; without this a tar stream would go as thousands of
// tiny chunks and overrun the client's window of unacknowledged publishes.
type fullReader struct {
	r   io.Reader
	eof bool
}

func (f *fullReader) Read(p []byte) (int, error) {
	if f.eof {
		return 0, io.EOF
	}
	n, err := io.ReadFull(f.r, p)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		f.eof = true
		if n == 0 {
			return 0, io.EOF
		}
		return n, nil
	}
	return n, err
}

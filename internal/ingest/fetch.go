package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/pkgfs"
	"github.com/earkiv/earkiv/internal/pkgstore"
)

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
		info, err := j.w.pkgs.Stat(ctx, j.t.ID, j.req.Object)
		if err != nil {
			return j.fetchFailed(ctx, err)
		}
		if size > 0 && info.Size != size {
			return nil, nil, stage("fetch", fmt.Errorf("package %s holds %d bytes, the request says %d", j.req.Object, info.Size, size))
		}
		size = info.Size
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
	if errors.Is(err, pkgstore.ErrNotFound) {
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
	unhashed := len(j.req.Sums) > 0
	r, err := j.w.pkgs.Open(ctx, j.t.ID, j.req.Object, pkgstore.ReadOptions{Unhashed: unhashed})
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", j.req.Object, err)
	}
	defer func() { _ = r.Close() }() // read only; ReadAll has checked it
	data, err := r.ReadAll(size)
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", j.req.Object, err)
	}
	if unhashed {
		j.memDigest = func() error { return r.CheckDigest(data) }
	}
	return data, nil
}

// head reads the first bytes of the package, to tell zip from (gzipped) tar.
func (j *job) head(ctx context.Context) ([]byte, error) {
	obj, err := j.w.pkgs.Open(ctx, j.t.ID, j.req.Object, pkgstore.ReadOptions{})
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
		o := pkgstore.ReadOptions{Unhashed: j.verified.Load() || j.vouch}
		obj, err := j.w.pkgs.Open(ctx, j.t.ID, j.req.Object, o)
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
	rc, err := j.w.pkgs.Open(ctx, j.t.ID, j.req.Object, pkgstore.ReadOptions{})
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
	n, err := j.copyPackage(ctx, bw)
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

// copyPackage writes the package to w, checked.
func (j *job) copyPackage(ctx context.Context, w io.Writer) (int64, error) {
	r, err := j.w.pkgs.Open(ctx, j.t.ID, j.req.Object, pkgstore.ReadOptions{})
	if err != nil {
		return 0, err
	}
	defer r.Close()
	return io.Copy(w, r)
}

func (j *job) cleanupSpool() {
	if j.spool != "" {
		os.Remove(j.spool)
	}
}

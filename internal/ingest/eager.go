package ingest

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/fgs"
	"github.com/earkiv/earkiv/internal/fixity"
	"github.com/earkiv/earkiv/internal/pkgfs"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/validate"
	"github.com/earkiv/earkiv/internal/xmlsafe"
)

// metaSubmission tags every submitted file stored in S3 with the submission
// that stored it: provenance for a reader, and what lets a later attempt of
// the same submission find and remove what an interrupted one left.
const metaSubmission = "Earkiv-Submission"

// eagerStore uploads the files of a big package read from the package
// store as a stream while validation reads them (a tee on the tar scan), so
// the package is read once instead of once to validate and once to store.
//
// It needs the package's identity and declared checksums before the
// content: the tar must start with the root METS and declare each file's
// SHA-256 (root or representation METS) before the file, as the order of
// pack.RankOf, by which earkiv submit writes a folder, does when the root
// METS is the package's first file; the S3 store verifies every upload
// against that declared SHA-256. A file it cannot upload so (the tar in
// another order, no SHA-256 declared, an upload that failed) is stored by
// the ordinary store pass.
//
// Uploads carry no Object Lock: the package may still be rejected, and a
// locked object could not be removed. Once the package is accepted, each
// version is locked (adopt) before the manifest that completes the AIP is
// written; any version not adopted is removed (discard), also before a
// rejection's receipt. A worker killed in between leaves unlocked versions
// under an AIP folder without a manifest; the redelivery, which stores the
// ordinary way, removes them (sweep).
type eagerStore struct {
	j      *job
	ctx    context.Context
	bucket string
	sem    chan struct{} // uploads in flight
	wg     sync.WaitGroup

	// Used by the scan goroutine, and read once it has ended.
	first    bool   // the next file is the tar's first
	storing  bool   // files are uploaded (set once the root METS allows it)
	prefix   string // the tar's top folder with its slash, or ""
	root     string // the root METS's name
	aipID    string
	mimes    map[string]string // MIME type the root METS gives, by package path
	declared map[string][]byte // SHA-256 a METS declares, by package path

	mu      sync.Mutex
	stored  map[string]storage.Info // package path -> version uploaded
	adopted map[string]bool         // package paths whose version the AIP keeps
}

// maxEagerMETS bounds a METS held in memory to be read before its content.
const maxEagerMETS = 64 << 20

func newEagerStore(ctx context.Context, j *job) *eagerStore {
	return &eagerStore{j: j, ctx: ctx, bucket: j.bucket, sem: make(chan struct{}, j.w.cfg.Uploads), first: true,
		declared: map[string][]byte{}, stored: map[string]storage.Info{}, adopted: map[string]bool{}}
}

// stop turns eager storing off for the rest of the scan.
func (e *eagerStore) stop(why string) {
	e.storing = false
	e.j.w.cfg.Log.Debug("package stored after validation, not while", "submission", e.j.req.SubmissionID, "why", why)
}

// tee is the pkgfs.Tee: it is offered each file of the tar in order.
func (e *eagerStore) tee(name string, size int64) pkgfs.EntryWriter {
	if e.first {
		e.first = false
		dir, base := path.Split(name)
		if strings.Count(dir, "/") > 1 || !slices.Contains(validate.RootNames, base) {
			e.stop("the tar does not start with the root METS")
			return nil
		}
		e.prefix, e.root = dir, base
		return &xmlBuffer{done: e.rootMETS}
	}
	if !e.storing {
		return nil // the store pass stores it
	}
	rel, ok := strings.CutPrefix(name, e.prefix)
	if !ok {
		e.stop("files outside the package folder")
		return nil
	}
	if validate.IsRepresentationMETS(rel) {
		return &xmlBuffer{done: func(b []byte) { e.representationMETS(rel, b) }}
	}
	sum, ok := e.declared[rel]
	if !ok {
		return nil // no SHA-256 declared before the file: the store pass stores it
	}
	return e.upload(rel, size, sum, nil)
}

// rootMETS reads the package's identity and declared checksums from the
// root METS and decides whether its files can be stored now.
func (e *eagerStore) rootMETS(b []byte) {
	if b == nil {
		e.stop("the root METS is too big to hold")
		return
	}
	doc, err := xmlsafe.ParseBytes(b, xmlsafe.DefaultLimits)
	if err != nil || !fgs.IsMETS(doc.Root(), "mets") {
		e.stop("the root METS does not parse") // validation reports why
		return
	}
	p := fgs.Parse(doc.Root(), doc.Line)
	e.declare("", p.Files)
	if p.ObjID == "" {
		e.stop("no package id")
		return
	}
	if reason := e.j.t.CheckArchivist(p.Archivist()); reason != "" {
		e.stop("addressed to another archive")
		return
	}
	e.aipID = aip.ID(e.j.t.ID, p.ObjID)
	if err := e.j.ensureBucket(e.ctx, false); err != nil {
		e.stop("bucket: " + err.Error())
		return
	}
	// An AIP of this package id exists: the package is a duplicate, a
	// conflict or this submission's finished work; nothing is stored now.
	if _, err := e.j.store.Stat(e.ctx, e.bucket, aip.ManifestKey(e.aipID)); err == nil {
		e.stop("the AIP exists")
		return
	} else if !errors.Is(err, storage.ErrNotFound) {
		e.stop("manifest: " + err.Error())
		return
	}
	e.mimes = mimeTypes(p.Files)
	e.storing = true
	e.upload(e.root, int64(len(b)), sha256Bytes(b), bytes.NewReader(b))
}

// representationMETS adds a representation's declared checksums and stores
// its METS.
func (e *eagerStore) representationMETS(rel string, b []byte) {
	if b == nil {
		return
	}
	doc, err := xmlsafe.ParseBytes(b, xmlsafe.DefaultLimits)
	if err == nil && fgs.IsMETS(doc.Root(), "mets") {
		e.declare(path.Dir(rel)+"/", fgs.Parse(doc.Root(), doc.Line).Files)
	}
	if e.storing { // may have stopped while the METS was read
		e.upload(rel, int64(len(b)), sha256Bytes(b), bytes.NewReader(b))
	}
}

// declare records the SHA-256 a METS declares for its files (paths relative to folder).
func (e *eagerStore) declare(folder string, files []fgs.File) {
	for _, f := range files {
		if alg, ok := fixity.Parse(f.ChecksumType); !ok || alg != fixity.SHA256 || f.Path == "" {
			continue
		}
		if sum, err := hex.DecodeString(strings.TrimSpace(f.Checksum)); err == nil && len(sum) == 32 {
			if _, ok := e.declared[folder+f.Path]; !ok { // the first declaration; validation checks them all
				e.declared[folder+f.Path] = sum
			}
		}
	}
}

// upload stores one file without Object Lock, from src or, when src is nil,
// from the returned writer as the scan reads the file. The store refuses
// bytes that differ from sum.
func (e *eagerStore) upload(rel string, size int64, sum []byte, src io.Reader) pkgfs.EntryWriter {
	select {
	case e.sem <- struct{}{}:
	case <-e.ctx.Done():
		e.stop("cancelled")
		return nil
	}
	var pr *io.PipeReader
	var pw *io.PipeWriter
	if src == nil {
		pr, pw = io.Pipe()
		src = pr
	}
	key := aip.SubmissionKey(e.aipID, rel)
	ctype := contentType(e.mimes, rel)
	e.wg.Add(1)
	e.j.w.uploaders.run(func() {
		defer func() { <-e.sem; e.wg.Done() }()
		in, err := e.j.store.Put(e.ctx, e.bucket, key, src, storage.PutOptions{Size: size, SHA256: sum, ContentType: ctype, Meta: e.j.meta()})
		if pr != nil {
			pr.CloseWithError(err) // the scan's writes end here, if any are left
		}
		if err != nil {
			// The store may have kept a version even so (an answer lost
			// under load): the store pass checks before it uploads, and
			// finish sweeps what the AIP does not keep.
			e.j.resume.Store(true)
			e.j.w.cfg.Log.Debug("upload while validating failed; the store pass retries", "key", key, "err", err)
			return
		}
		e.mu.Lock()
		e.stored[rel] = in
		e.mu.Unlock()
		e.j.w.cfg.Hook("object-stored-early", key)
	})
	if pw == nil {
		return nil
	}
	return pw
}

// wait waits for the uploads in flight.
func (e *eagerStore) wait() { e.wg.Wait() }

// adopt locks the versions uploaded with the bytes the AIP records and
// returns their package paths; the store pass stores the rest.
func (e *eagerStore) adopt(ctx context.Context, objs []aip.Object, lock func(key string) earkiv.Lock) (map[string]bool, error) {
	e.wait()
	var take []*aip.Object
	for i := range objs {
		o := &objs[i]
		rel := strings.TrimPrefix(o.Path, "submission/")
		if in, ok := e.stored[rel]; ok && in.SHA256 == o.SHA256 && in.Size == o.Size && in.Key == o.Key {
			o.VersionID = in.VersionID
			take = append(take, o)
		}
	}
	err := each(ctx, e.j.w.uploaders, e.j.w.cfg.Uploads, take, func(ctx context.Context, o *aip.Object) error {
		return e.j.retry(ctx, "lock "+o.Key, func() error { return e.j.store.SetLock(ctx, e.bucket, o.Key, o.VersionID, lock(o.Key)) })
	})
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, o := range take {
		e.adopted[strings.TrimPrefix(o.Path, "submission/")] = true
	}
	return e.adopted, nil
}

// discard removes every uploaded version the AIP does not keep. It runs
// before a rejection's receipt and after a failed attempt; a failure is
// logged and left to the redelivery's sweep.
func (e *eagerStore) discard(ctx context.Context) {
	e.wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	for rel, in := range e.stored {
		if e.adopted[rel] {
			continue
		}
		if err := e.j.store.RemoveVersion(ctx, e.bucket, in.Key, in.VersionID); err != nil {
			e.j.w.cfg.Log.Warn("remove a file stored for a package that was not archived", "key", in.Key, "err", err)
			continue
		}
		delete(e.stored, rel)
	}
}

// mimeTypes are the MIME types the root METS gives its files, by path.
func mimeTypes(files []fgs.File) map[string]string {
	out := map[string]string{}
	for _, f := range files {
		if f.Path != "" && f.MIME != "" {
			out[f.Path] = f.MIME
		}
	}
	return out
}

// contentType is the MIME type an AIP object gets: the one the root METS
// gives (mimes), else the one its extension suggests.
func contentType(mimes map[string]string, rel string) string {
	if mt := mimes[rel]; mt != "" {
		return mt
	}
	return mime.TypeByExtension(path.Ext(rel))
}

// xmlBuffer holds a METS file the scan reads and hands it to done once read
// whole (nil if it was too big to hold).
type xmlBuffer struct {
	buf  bytes.Buffer
	big  bool
	done func([]byte)
}

func (x *xmlBuffer) Write(p []byte) (int, error) {
	if !x.big && x.buf.Len()+len(p) <= maxEagerMETS {
		x.buf.Write(p)
	} else {
		x.big = true
	}
	return len(p), nil
}

func (x *xmlBuffer) CloseWithError(err error) error {
	switch {
	case err != nil:
	case x.big:
		x.done(nil)
	default:
		x.done(x.buf.Bytes())
	}
	return nil
}

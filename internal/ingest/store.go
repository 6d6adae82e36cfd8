package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"strings"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/pkgfs"
	"github.com/earkiv/earkiv/internal/storage"
)

// storeSubmission uploads every submitted file but those in stored (done
// while validating), skipping files a previous attempt already stored with
// the same SHA-256 (and locking them, if that attempt had not). The
// expected digest from validation goes with each upload, so the bytes
// stored are the bytes validated.
func (j *job) storeSubmission(ctx context.Context, pkg pkgfs.Package, m *aip.Manifest, lockOf func(key string) earkiv.Lock, stored map[string]bool) error {
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
		lock := lockOf(o.Key)
		attempt := func() error {
			if j.resume.Load() {
				if in, ok, err := j.store.Has(ctx, j.bucket, o.Key, o.Size, o.SHA256); err != nil {
					return err
				} else if ok {
					// Stored by an earlier attempt, perhaps one that was
					// killed before it locked what it stored while validating.
					if !covers(in.Lock, lock) {
						if err := j.store.SetLock(ctx, j.bucket, o.Key, in.VersionID, lock); err != nil {
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
			in, err := putObject(ctx, j.store, j.bucket, *o, rc, lock, j.meta())
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
func covers(have, want earkiv.Lock) bool {
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
	if _, ok := j.w.buckets.Load(j.bucket); ok {
		return nil
	}
	op := func() error { return j.store.EnsureBucket(ctx, j.bucket) }
	var err error
	if retry {
		err = j.retry(ctx, "bucket", op)
	} else {
		err = op()
	}
	if err == nil {
		j.w.buckets.Store(j.bucket, true)
	}
	return err
}

// sweep removes what an interrupted attempt of this submission stored in
// the package's AIP folder and the AIP does not list: files uploaded while
// validating, left unlocked by a worker killed before the package was
// accepted or rejected. Versions of other submissions are not touched.
func (j *job) sweep(ctx context.Context) {
	if j.aipID == "" {
		return
	}
	for v, err := range j.store.Versions(ctx, j.bucket, j.aipID+"/") {
		if err != nil {
			j.w.cfg.Log.Warn("sweep after an interrupted attempt", "aip", j.aipID, "err", err)
			return
		}
		if v.Meta[metaSubmission] != j.req.SubmissionID || j.kept[v.VersionID] {
			continue
		}
		if err := j.store.RemoveVersion(ctx, j.bucket, v.Key, v.VersionID); err != nil {
			j.w.cfg.Log.Warn("remove a file an interrupted attempt stored", "key", v.Key, "version", v.VersionID, "err", err)
		}
	}
}

// putObject stores an AIP object's bytes, which the store verifies against
// the SHA-256 the AIP records.
func putObject(ctx context.Context, st *storage.Store, bucket string, o aip.Object, r io.Reader, lock earkiv.Lock, meta map[string]string) (storage.Info, error) {
	sum, err := storage.ParseSHA256(o.SHA256)
	if err != nil {
		return storage.Info{}, err
	}
	return st.Put(ctx, bucket, o.Key, r, storage.PutOptions{Size: o.Size, SHA256: sum, ContentType: o.MIME, Lock: lock, Meta: meta})
}

// putDoc stores an XML document the AIP writes itself and lists it in m.
func (j *job) putDoc(ctx context.Context, m *aip.Manifest, key, role string, doc []byte, lock earkiv.Lock) error {
	in, err := j.putBytes(ctx, key, doc, "text/xml", lock)
	if err != nil {
		return err
	}
	m.Objects = append(m.Objects, aip.Object{Key: in.Key, Path: strings.TrimPrefix(key, m.AIPID+"/"), Role: role,
		Size: in.Size, SHA256: in.SHA256, MIME: "text/xml", VersionID: in.VersionID})
	return nil
}

func (j *job) putBytes(ctx context.Context, key string, b []byte, ctype string, lock earkiv.Lock) (storage.Info, error) {
	var in storage.Info
	sum := sha256Bytes(b)
	err := j.retry(ctx, "put "+key, func() error {
		var err error
		in, err = j.store.Put(ctx, j.bucket, key, bytes.NewReader(b), storage.PutOptions{Size: int64(len(b)), SHA256: sum, ContentType: ctype, Lock: lock})
		return err
	})
	return in, stage("store", err)
}

func sha256Bytes(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

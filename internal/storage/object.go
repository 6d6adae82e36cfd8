package storage

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"iter"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/fixity"
)

// metaSHA256 is the user metadata key holding the hex SHA-256, for stores that
// do not return S3 checksums and for humans reading object headers.
const metaSHA256 = "Earkiv-Sha256"

// maxSinglePut is S3's largest single PUT; bigger objects go multipart.
const maxSinglePut = 5 << 30

// PutOptions describe an object to store.
type PutOptions struct {
	Size        int64
	SHA256      []byte // expected digest, when known; the upload fails if the bytes differ
	ContentType string
	Lock        earkiv.Lock
	Meta        map[string]string // user metadata (x-amz-meta-*), beside earkiv's own
}

// Info is what the store holds for an object.
type Info struct {
	Key       string
	Size      int64
	SHA256    string // hex
	ETag      string
	VersionID string
	Modified  time.Time
	Lock      earkiv.Lock
}

// DigestMismatchError says the bytes streamed were not the bytes expected.
type DigestMismatchError struct {
	Bucket, Key   string
	Want, Got     string
	WantSz, GotSz int64
}

func (e *DigestMismatchError) Error() string {
	return fmt.Sprintf("%s/%s: streamed %d bytes with SHA-256 %s, expected %d bytes with %s", e.Bucket, e.Key, e.GotSz, e.Got, e.WantSz, e.Want)
}

// Put streams r into bucket/key. With o.SHA256 set (the digest computed when
// the bytes were validated) and the object within S3's single-PUT limit, the
// digest goes as x-amz-checksum-sha256: the store refuses bytes that do not
// match, and confirms it by echoing the checksum. A store that does not echo
// it gets the object read back and hashed. Otherwise Put hashes while it
// streams. Either way a package changed after validation is never stored as
// if it were the validated one.
func (s *Store) Put(ctx context.Context, bucket, key string, r io.Reader, o PutOptions) (Info, error) {
	po := minio.PutObjectOptions{
		ContentType:          o.ContentType,
		DisableContentSha256: true, // integrity comes from the checksum
		UserMetadata:         map[string]string{},
	}
	for k, v := range o.Meta {
		po.UserMetadata[k] = v
	}
	if o.Lock.LegalHold {
		po.LegalHold = minio.LegalHoldEnabled
	}
	if !o.Lock.RetainUntil.IsZero() {
		po.Mode = minio.RetentionMode(o.Lock.Mode)
		po.RetainUntilDate = o.Lock.RetainUntil.UTC()
	}
	want, wantB64 := "", ""
	storeChecks := false
	if o.SHA256 != nil {
		want, wantB64 = hex.EncodeToString(o.SHA256), base64.StdEncoding.EncodeToString(o.SHA256)
		po.UserMetadata[metaSHA256] = want
		if o.Size >= 0 && o.Size <= maxSinglePut {
			storeChecks = true
			po.DisableMultipart = true
			po.UserMetadata["x-amz-checksum-sha256"] = wantB64
		}
	}
	cr := &countingHash{r: r}
	if !storeChecks {
		cr.h = sha256.New()
	}
	ui, err := s.c.PutObject(ctx, bucket, key, cr, o.Size, po)
	if err != nil {
		if isCode(err, "BadDigest") || isCode(err, "XAmzContentChecksumMismatch") || isCode(err, "InvalidDigest") {
			return Info{}, &DigestMismatchError{Bucket: bucket, Key: key, Want: want, Got: "(refused by the store)", WantSz: o.Size, GotSz: cr.n}
		}
		return Info{}, fmt.Errorf("put %s/%s on %s: %w", bucket, key, s.endpoint, err)
	}
	got := want
	switch {
	case !storeChecks:
		got = hex.EncodeToString(cr.h.Sum(nil))
	case ui.ChecksumSHA256 == wantB64:
		// The store verified the bytes against the digest.
	case ui.ChecksumSHA256 != "":
		got = ui.ChecksumSHA256
	default:
		// The store ignored the checksum: read the object back.
		if got, err = s.hashObject(ctx, bucket, key); err != nil {
			return Info{}, err
		}
	}
	if (want != "" && got != want) || (o.Size >= 0 && cr.n != o.Size) {
		return Info{}, &DigestMismatchError{Bucket: bucket, Key: key, Want: want, Got: got, WantSz: o.Size, GotSz: cr.n}
	}
	return Info{Key: key, Size: ui.Size, SHA256: got, ETag: ui.ETag, VersionID: ui.VersionID, Modified: ui.LastModified, Lock: o.Lock}, nil
}

// hashObject reads an object and returns its SHA-256 (hex).
func (s *Store) hashObject(ctx context.Context, bucket, key string) (string, error) {
	rc, _, err := s.Get(ctx, bucket, key)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	sum, err := fixity.Sum(ctx, rc, fixity.SHA256)
	if err != nil {
		return "", fmt.Errorf("verify %s/%s: %w", bucket, key, err)
	}
	return sum.Digests[fixity.SHA256], nil
}

// countingHash counts what it reads and, with h set, hashes it.
type countingHash struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (c *countingHash) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.h != nil {
		c.h.Write(p[:n])
	}
	c.n += int64(n)
	return n, err
}

// ParseSHA256 decodes a hex SHA-256 digest.
func ParseSHA256(s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != sha256.Size {
		return nil, fmt.Errorf("%q is not a SHA-256 digest", s)
	}
	return b, nil
}

// Has reports whether key holds exactly size bytes with the SHA-256 sha
// (hex): an object an earlier, interrupted upload already stored.
func (s *Store) Has(ctx context.Context, bucket, key string, size int64, sha string) (Info, bool, error) {
	in, err := s.Stat(ctx, bucket, key)
	if errors.Is(err, ErrNotFound) {
		return Info{}, false, nil
	}
	if err != nil {
		return Info{}, false, err
	}
	return in, in.SHA256 == sha && in.Size == size, nil
}

// Stat returns an object's size, recorded SHA-256 and lock.
func (s *Store) Stat(ctx context.Context, bucket, key string) (Info, error) {
	oi, err := s.c.StatObject(ctx, bucket, key, minio.StatObjectOptions{Checksum: true})
	if err != nil {
		if isNotFound(err) {
			return Info{}, fmt.Errorf("%s/%s: %w", bucket, key, ErrNotFound)
		}
		return Info{}, fmt.Errorf("stat %s/%s on %s: %w", bucket, key, s.endpoint, err)
	}
	return infoOf(oi), nil
}

func infoOf(oi minio.ObjectInfo) Info {
	in := Info{Key: oi.Key, Size: oi.Size, ETag: oi.ETag, VersionID: oi.VersionID, Modified: oi.LastModified}
	in.SHA256 = oi.UserMetadata[metaSHA256]
	if in.SHA256 == "" {
		in.SHA256 = strings.ToLower(oi.Metadata.Get("X-Amz-Meta-" + metaSHA256))
	}
	if in.SHA256 == "" && oi.ChecksumSHA256 != "" && !strings.Contains(oi.ChecksumSHA256, "-") {
		if b, err := base64.StdEncoding.DecodeString(oi.ChecksumSHA256); err == nil {
			in.SHA256 = hex.EncodeToString(b)
		}
	}
	if u := oi.Metadata.Get("X-Amz-Object-Lock-Retain-Until-Date"); u != "" {
		in.Lock.RetainUntil, _ = time.Parse(time.RFC3339, u)
	}
	in.Lock.Mode = oi.Metadata.Get("X-Amz-Object-Lock-Mode")
	in.Lock.LegalHold = strings.EqualFold(oi.Metadata.Get("X-Amz-Object-Lock-Legal-Hold"), "ON")
	return in
}

// Get opens an object for reading; the caller closes it.
func (s *Store) Get(ctx context.Context, bucket, key string) (io.ReadCloser, Info, error) {
	o, err := s.c.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, Info{}, fmt.Errorf("get %s/%s on %s: %w", bucket, key, s.endpoint, err)
	}
	oi, err := o.Stat()
	if err != nil {
		_ = o.Close() // never read
		if isNotFound(err) {
			return nil, Info{}, fmt.Errorf("%s/%s: %w", bucket, key, ErrNotFound)
		}
		return nil, Info{}, fmt.Errorf("get %s/%s on %s: %w", bucket, key, s.endpoint, err)
	}
	return o, infoOf(oi), nil
}

// List yields the objects under prefix (recursively), in key order.
func (s *Store) List(ctx context.Context, bucket, prefix string) iter.Seq2[Info, error] {
	return func(yield func(Info, error) bool) {
		for oi := range s.c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
			if oi.Err != nil {
				err := oi.Err
				if isNotFound(err) {
					err = fmt.Errorf("%w: %v", ErrNotFound, err)
				}
				yield(Info{}, fmt.Errorf("list %s/%s on %s: %w", bucket, prefix, s.endpoint, err))
				return
			}
			if !yield(Info{Key: oi.Key, Size: oi.Size, ETag: oi.ETag, Modified: oi.LastModified}, nil) {
				return
			}
		}
	}
}

// Remove deletes the current version of an object (a delete marker under
// versioning); locked versions stay.
func (s *Store) Remove(ctx context.Context, bucket, key string) error {
	if err := s.c.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("remove %s/%s: %w", bucket, key, err)
	}
	return nil
}

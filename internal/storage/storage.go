// Package storage puts archival objects into S3-compatible stores (one bucket
// per municipality) with Object Lock, and reads them back. Every object's
// SHA-256 is computed while it streams, sent as the S3 checksum so the store
// verifies it too, and kept as object metadata for later fixity audits.
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
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/earkiv/earkiv/internal/fixity"
)

// Config is one S3 endpoint and its credentials.
type Config struct {
	Endpoint  string // host:port, or a URL (http:// means no TLS)
	AccessKey string
	SecretKey string
	Region    string
	Insecure  bool // plain http when Endpoint has no scheme
}

// Store is an S3 client. It is safe for concurrent use.
type Store struct {
	c        *minio.Client
	endpoint string
}

// ErrNotFound is returned for a missing object or bucket.
var ErrNotFound = errors.New("not found")

// metaSHA256 is the user metadata key holding the hex SHA-256, for stores that
// do not return S3 checksums and for humans reading object headers.
const metaSHA256 = "Earkiv-Sha256"

// maxSinglePut is S3's largest single PUT; bigger objects go multipart.
const maxSinglePut = 5 << 30

// New connects a Store (no request is made yet).
func New(cfg Config) (*Store, error) {
	ep, secure := cfg.Endpoint, !cfg.Insecure
	switch {
	case strings.HasPrefix(ep, "http://"):
		ep, secure = strings.TrimPrefix(ep, "http://"), false
	case strings.HasPrefix(ep, "https://"):
		ep, secure = strings.TrimPrefix(ep, "https://"), true
	}
	ep = strings.TrimSuffix(ep, "/")
	tr, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, fmt.Errorf("s3 client for %s: %w", cfg.Endpoint, err)
	}
	// Workers run many uploads to the one endpoint at once (packages x
	// uploads each); with minio-go's 16 idle connections per host, the rest
	// were closed after each request and dialled again.
	tr.MaxIdleConnsPerHost = tr.MaxIdleConns
	c, err := minio.New(ep, &minio.Options{
		Transport:       tr,
		Creds:           credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:          secure,
		Region:          cfg.Region,
		TrailingHeaders: true, // lets a precomputed x-amz-checksum-sha256 go with a PUT
	})
	if err != nil {
		return nil, fmt.Errorf("s3 client for %s: %w", cfg.Endpoint, err)
	}
	return &Store{c: c, endpoint: ep}, nil
}

// Endpoint is the store's host:port, for logs and errors.
func (s *Store) Endpoint() string { return s.endpoint }

// EnsureBucket creates bucket with Object Lock enabled, or checks that an
// existing bucket has it: without Object Lock a municipality's records could
// be deleted or overwritten before their time.
func (s *Store) EnsureBucket(ctx context.Context, bucket string) error {
	ok, err := s.c.BucketExists(ctx, bucket)
	if err != nil {
		return fmt.Errorf("bucket %s on %s: %w", bucket, s.endpoint, err)
	}
	if !ok {
		err := s.c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{ObjectLocking: true})
		if err != nil && !isCode(err, "BucketAlreadyOwnedByYou") {
			return fmt.Errorf("create bucket %s on %s: %w", bucket, s.endpoint, err)
		}
	}
	status, _, _, _, err := s.c.GetObjectLockConfig(ctx, bucket)
	if isCode(err, "ObjectLockConfigurationNotFoundError") || isCode(err, "NoSuchObjectLockConfiguration") {
		status, err = "", nil
	}
	if err != nil {
		return fmt.Errorf("bucket %s on %s: object lock: %w", bucket, s.endpoint, err)
	}
	if status != "Enabled" {
		return fmt.Errorf("bucket %s on %s exists without Object Lock; earkiv will not store records there", bucket, s.endpoint)
	}
	return nil
}

// Lock is the Object Lock put on an object.
type Lock struct {
	Mode        string    // GOVERNANCE or COMPLIANCE; empty with no date
	RetainUntil time.Time // zero: no retention date
	LegalHold   bool
}

// PutOptions describe an object to store.
type PutOptions struct {
	Size        int64
	SHA256      []byte // expected digest, when known; the upload fails if the bytes differ
	ContentType string
	Lock        Lock
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
	Lock      Lock
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

// Retention reads an object's Object Lock state from its HEAD headers
// (x-amz-object-lock-*). The GetObjectRetention API would do too, but
// versitygw 1.8 answers it with <ObjectLockRetention> instead of AWS's
// <Retention>, which S3 clients cannot parse; the headers agree everywhere.
func (s *Store) Retention(ctx context.Context, bucket, key string) (Lock, error) {
	in, err := s.Stat(ctx, bucket, key)
	if err != nil {
		return Lock{}, err
	}
	return in.Lock, nil
}

// Remove deletes the current version of an object (a delete marker under
// versioning); locked versions stay.
func (s *Store) Remove(ctx context.Context, bucket, key string) error {
	if err := s.c.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("remove %s/%s: %w", bucket, key, err)
	}
	return nil
}

// RemoveVersion permanently deletes one version of an object; Object Lock
// makes the store refuse it while the version is retained or held.
func (s *Store) RemoveVersion(ctx context.Context, bucket, key, versionID string) error {
	if err := s.c.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{VersionID: versionID}); err != nil {
		return fmt.Errorf("remove %s/%s version %s: %w", bucket, key, versionID, err)
	}
	return nil
}

// SetLock puts Object Lock on one stored version: a retention date, a legal
// hold, or both. Ingest uploads a big package's files while it validates
// them and locks them only once the package is accepted, so that a rejected
// package's files can still be removed. A store refuses to shorten a
// retention date it already holds.
func (s *Store) SetLock(ctx context.Context, bucket, key, versionID string, l Lock) error {
	if !l.RetainUntil.IsZero() {
		mode := minio.RetentionMode(l.Mode)
		until := l.RetainUntil.UTC()
		if err := s.c.PutObjectRetention(ctx, bucket, key, minio.PutObjectRetentionOptions{Mode: &mode, RetainUntilDate: &until, VersionID: versionID}); err != nil {
			return fmt.Errorf("lock %s/%s version %s on %s until %s: %w", bucket, key, versionID, s.endpoint, until.Format(time.RFC3339), err)
		}
	}
	if l.LegalHold {
		on := minio.LegalHoldEnabled
		if err := s.c.PutObjectLegalHold(ctx, bucket, key, minio.PutObjectLegalHoldOptions{VersionID: versionID, Status: &on}); err != nil {
			return fmt.Errorf("legal hold on %s/%s version %s on %s: %w", bucket, key, versionID, s.endpoint, err)
		}
	}
	return nil
}

// Version is one stored version of an object, with its user metadata. Its
// Lock is what the store reports, and versitygw 1.8 reports none for a
// version that is no longer the current one; the store still enforces it.
type Version struct {
	Info
	Meta map[string]string // user metadata, keys in canonical header form without x-amz-meta-
}

// Versions yields every version of every object under prefix, with its
// metadata read from the version's own HEAD (listings do not carry it), for
// clean-up after an interrupted ingest.
func (s *Store) Versions(ctx context.Context, bucket, prefix string) iter.Seq2[Version, error] {
	return func(yield func(Version, error) bool) {
		var lastKey, lastVersion string
		for oi := range s.c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true, WithVersions: true}) {
			if oi.Err != nil {
				yield(Version{}, fmt.Errorf("list versions %s/%s on %s: %w", bucket, prefix, s.endpoint, oi.Err))
				return
			}
			// versitygw (1.8) starts a page of versions with the last
			// version of the page before: yield each once.
			if oi.Key == lastKey && oi.VersionID == lastVersion {
				continue
			}
			lastKey, lastVersion = oi.Key, oi.VersionID
			if oi.IsDeleteMarker {
				continue
			}
			st, err := s.c.StatObject(ctx, bucket, oi.Key, minio.StatObjectOptions{VersionID: oi.VersionID})
			if err != nil {
				if isNotFound(err) {
					continue // removed since the listing
				}
				if !yield(Version{}, fmt.Errorf("stat %s/%s version %s on %s: %w", bucket, oi.Key, oi.VersionID, s.endpoint, err)) {
					return
				}
				continue
			}
			v := Version{Info: infoOf(st), Meta: map[string]string{}}
			v.VersionID = oi.VersionID
			for k, vals := range st.Metadata {
				if name, ok := strings.CutPrefix(k, "X-Amz-Meta-"); ok && len(vals) > 0 {
					v.Meta[name] = vals[0]
				}
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}

// Healthy reports whether the store answers.
func (s *Store) Healthy(ctx context.Context) error {
	_, err := s.c.ListBuckets(ctx)
	if err != nil {
		return fmt.Errorf("s3 %s: %w", s.endpoint, err)
	}
	return nil
}

func isCode(err error, code string) bool {
	return minio.ToErrorResponse(err).Code == code
}

func isNotFound(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.StatusCode == http.StatusNotFound || r.Code == "NoSuchKey" || r.Code == "NoSuchBucket"
}

// IsTransient reports whether err is worth retrying (the store is down,
// overloaded or the connection broke), as opposed to a refusal or a local
// error that would repeat.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var dm *DigestMismatchError
	if errors.As(err, &dm) || errors.Is(err, ErrNotFound) || errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var r minio.ErrorResponse
	if !errors.As(err, &r) {
		return false
	}
	switch {
	case r.StatusCode >= 500, r.StatusCode == http.StatusTooManyRequests, r.Code == "SlowDown", r.Code == "RequestTimeout":
		return true
	}
	return false
}

// MakePlainBucket creates a bucket without Object Lock. Only tests use it, to
// show that EnsureBucket refuses such a bucket.
func (s *Store) MakePlainBucket(ctx context.Context, bucket string) error {
	return s.c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{})
}

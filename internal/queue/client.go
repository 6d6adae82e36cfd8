package queue

import (
	"archive/tar"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ids"
)

// Client is a NATS connection with JetStream.
type Client struct {
	NC     *nats.Conn
	JS     jetstream.JetStream
	tenant string // set for producer connections
	// Bucket handles, kept: opening one costs a stream-info request.
	stores  sync.Map // tenant -> jetstream.ObjectStore
	streams sync.Map // tenant -> jetstream.Stream of the package store
	kvs     sync.Map // tenant -> jetstream.KeyValue
	// ReceiptPart is the size of a stored receipt's parts
	// (DefaultReceiptPart if 0).
	ReceiptPart int
	closed      chan struct{} // closed when the connection is closed for good
}

// PackageStore returns tenant's package store.
func (c *Client) PackageStore(ctx context.Context, tenant string) (jetstream.ObjectStore, error) {
	return cached(c, &c.stores, tenant, "package store", func() (jetstream.ObjectStore, error) {
		return c.JS.ObjectStore(ctx, PackageStore(tenant))
	})
}

// cached returns the handle of tenant's what kept in m, opening it the
// first time, once this client may act for tenant (mayActFor).
func cached[T any](c *Client, m *sync.Map, tenant, what string, open func() (T, error)) (T, error) {
	var none T
	if err := c.mayActFor(tenant); err != nil {
		return none, err
	}
	if h, ok := m.Load(tenant); ok {
		return h.(T), nil
	}
	h, err := open()
	if err != nil {
		return none, fmt.Errorf("%s of %s: %w", what, tenant, err)
	}
	m.Store(tenant, h)
	return h, nil
}

// ConnectOptions say how to reach NATS.
type ConnectOptions struct {
	URL      string
	User     string
	Password string
	Tenant   string // producer connections: the tenant, for its private inbox
	Name     string
	// Log receives the connection's asynchronous errors, disconnects and
	// its final close (slog.Default if nil).
	Log *slog.Logger
}

// Connect dials NATS; it keeps reconnecting for ever, since a NATS restart
// must not lose a worker or a waiting producer.
func Connect(ctx context.Context, o ConnectOptions) (*Client, error) {
	opts := []nats.Option{
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.RetryOnFailedConnect(false),
	}
	if o.User != "" {
		opts = append(opts, nats.UserInfo(o.User, o.Password))
	}
	if o.Tenant != "" {
		opts = append(opts, nats.CustomInboxPrefix(InboxPrefix(o.Tenant)))
	}
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	closed := make(chan struct{})
	opts = append(opts,
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subj := ""
			if sub != nil {
				subj = sub.Subject
			}
			log.Error("nats", "conn", o.Name, "subject", subj, "err", err)
		}),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected; reconnecting", "conn", o.Name, "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("nats reconnected", "conn", o.Name, "url", nc.ConnectedUrlRedacted()) }),
		nats.ClosedHandler(func(nc *nats.Conn) {
			if err := nc.LastError(); err != nil {
				log.Error("nats connection closed", "conn", o.Name, "err", err)
			}
			close(closed)
		}),
	)
	nc, err := nats.Connect(o.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to nats %s: %w", o.URL, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	return &Client{NC: nc, JS: js, tenant: o.Tenant, closed: closed}, nil
}

// Closed is closed when the connection is closed for good: by Close, or
// by the server (NATS does not reconnect after some protocol errors).
func (c *Client) Closed() <-chan struct{} { return c.closed }

// closedErr says why the connection was closed.
func (c *Client) closedErr() error {
	if err := c.NC.LastError(); err != nil {
		return fmt.Errorf("nats connection closed: %w", err)
	}
	return nats.ErrConnectionClosed
}

// Err is why the connection was closed, once Closed is.
func (c *Client) Err() error {
	select {
	case <-c.closed:
		return c.closedErr()
	default:
		return nil
	}
}

// Close drains and closes the connection.
func (c *Client) Close() {
	if err := c.NC.Drain(); err != nil {
		c.NC.Close()
	}
}

// SetupOptions size the streams.
type SetupOptions struct {
	AckWait    time.Duration // before an unacknowledged request is redelivered
	MaxDeliver int           // deliveries before a request is dead-lettered
	Replicas   int
}

// Bounds that keep one producer from exhausting what all share.
const (
	// MaxPendingRequests is how many ingest requests one tenant may have
	// waiting; a publish beyond is refused, so a flood from one producer
	// cannot grow the shared work queue without end.
	MaxPendingRequests = 10_000
	// MaxDeadLetters is how many dead letters are kept per tenant, the
	// oldest going first.
	MaxDeadLetters = 100_000
)

func (o *SetupOptions) defaults() {
	if o.AckWait == 0 {
		o.AckWait = time.Minute
	}
	if o.MaxDeliver == 0 {
		o.MaxDeliver = 5
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
}

// Setup creates (or updates) the service streams and each tenant's object
// store and receipt bucket. Only the service login may call it.
func (c *Client) Setup(ctx context.Context, tenants []string, o SetupOptions) error {
	o.defaults()
	streams := []jetstream.StreamConfig{
		{Name: StreamIngest, Subjects: []string{"earkiv.ingest.*"}, Retention: jetstream.WorkQueuePolicy,
			Storage: jetstream.FileStorage, Duplicates: 24 * time.Hour, Replicas: o.Replicas,
			MaxMsgsPerSubject: MaxPendingRequests, Discard: jetstream.DiscardNew, DiscardNewPerSubject: true},
		{Name: StreamEvents, Subjects: []string{"earkiv.events.*.>"}, Storage: jetstream.FileStorage, Replicas: o.Replicas},
		{Name: StreamDead, Subjects: []string{"earkiv.dead.*"}, Storage: jetstream.FileStorage, Replicas: o.Replicas,
			MaxMsgsPerSubject: MaxDeadLetters},
	}
	for _, sc := range streams {
		if _, err := c.JS.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("stream %s: %w", sc.Name, err)
		}
	}
	_, err := c.JS.CreateOrUpdateConsumer(ctx, StreamIngest, jetstream.ConsumerConfig{
		Durable:       Consumer,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       o.AckWait,
		MaxDeliver:    o.MaxDeliver,
		MaxAckPending: 1000,
	})
	if err != nil {
		return fmt.Errorf("consumer %s: %w", Consumer, err)
	}
	for _, t := range tenants {
		if err := c.SetupTenant(ctx, t, o); err != nil {
			return err
		}
	}
	return nil
}

// SetupTenant creates tenant's package store and receipt bucket.
func (c *Client) SetupTenant(ctx context.Context, tenant string, o SetupOptions) error {
	o.defaults()
	if _, err := c.JS.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket: PackageStore(tenant), Storage: jetstream.FileStorage, Replicas: o.Replicas,
		Description: "packages submitted by " + tenant + ", deleted once receipted",
	}); err != nil {
		return fmt.Errorf("object store for %s: %w", tenant, err)
	}
	if _, err := c.JS.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: ReceiptBucket(tenant), Storage: jetstream.FileStorage, Replicas: o.Replicas, History: 5,
		Description: "receipts of " + tenant,
	}); err != nil {
		return fmt.Errorf("receipts for %s: %w", tenant, err)
	}
	return nil
}

// SubmitOptions tune a submission.
type SubmitOptions struct {
	// SubmissionID lets a producer retry a submission it is unsure went
	// through; JetStream drops the repeated request. A new id if empty.
	SubmissionID string
}

// Submit puts the package at path (a folder, zip or tar) into tenant's object
// store, streaming it in chunks, then publishes the ingest request. A folder
// is sent as a tar stream made on the fly; nothing is held in memory.
func (c *Client) Submit(ctx context.Context, tenant, path string, o SubmitOptions) (*earkiv.Request, error) {
	if err := c.mayActFor(tenant); err != nil {
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
		entries, n, err := listDir(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("submit: %w", err)
		}
		est = n
		pr, pw := io.Pipe()
		sums = make(chan map[string]string, 1)
		go func() {
			s := map[string]string{}
			err := tarDir(ctx, pw, path, entries, s)
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
		req.Format = archiveFormat(path)
		r, size, est = f, fi.Size(), fi.Size()
	}
	store, err := c.PackageStore(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	// The object store allocates a buffer of the chunk size per upload: a
	// small package gets one chunk of about its own size, not 4 MiB.
	chunk := min(int64(c.NC.MaxPayload()/2), 4<<20, max(est, 4<<10))
	if est > pacingWindow {
		stream, err := c.packageStream(ctx, tenant)
		if err != nil {
			return nil, fmt.Errorf("submit: %w", err)
		}
		if r, err = newPacedReader(ctx, r, stream); err != nil {
			return nil, fmt.Errorf("submit to %s: %w", tenant, err)
		}
	}
	info, err := store.Put(ctx, jetstream.ObjectMeta{
		Name: id, Description: req.Name,
		Metadata: map[string]string{"name": req.Name, "format": req.Format, "tenant": tenant},
		Opts:     &jetstream.ObjectMetaOptions{ChunkSize: uint32(chunk)},
	}, r)
	if err != nil {
		return nil, fmt.Errorf("submit %s to %s: upload: %w", path, tenant, err)
	}
	if size >= 0 && int64(info.Size) != size {
		return nil, fmt.Errorf("submit %s: uploaded %d bytes of %d (file changed while sending?)", path, info.Size, size)
	}
	req.Size, req.Digest = int64(info.Size), info.Digest
	if sums != nil {
		if s := <-sums; len(s) <= maxRequestSums { // the upload read the tar to its end
			req.Sums = s
		}
	}
	if err := req.Check(); err != nil {
		return nil, fmt.Errorf("submit %s: %w", path, err) // a bug of this client, never sent
	}
	data, _ := json.Marshal(req)
	msg := &nats.Msg{Subject: IngestSubject(tenant), Data: data, Header: nats.Header{}}
	if _, err := c.JS.PublishMsg(ctx, msg, jetstream.WithMsgID(id), jetstream.WithExpectStream(StreamIngest)); err != nil {
		return nil, fmt.Errorf("submit to %s: publish request: %w", tenant, err)
	}
	return req, nil
}

// maxRequestSums bounds the metadata sums a request carries, so that a
// package with thousands of files at its root still fits a NATS message;
// without sums the worker checks the package digest instead.
const maxRequestSums = 1000

// pacingWindow is how far an upload may run ahead of what the server stored;
// smaller packages need no pacing.
const pacingWindow = 48 << 20

// pacedReader keeps an upload at most window bytes ahead of what the
// server has stored. The object store publishes chunks without waiting for
// acknowledgements; a producer reading from a fast disk would otherwise fill
// the stream's ingest queue (128 MiB by default) and be refused with 429.
type pacedReader struct {
	ctx      context.Context
	r        io.Reader
	stream   jetstream.Stream
	base     uint64
	sent     uint64
	window   uint64
	nextPoll uint64
}

func newPacedReader(ctx context.Context, r io.Reader, s jetstream.Stream) (*pacedReader, error) {
	info, err := s.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("package store: %w", err)
	}
	return &pacedReader{ctx: ctx, r: r, stream: s, base: info.State.Bytes, window: pacingWindow}, nil
}

func (p *pacedReader) Read(b []byte) (int, error) {
	if p.sent >= p.nextPoll {
		for {
			info, err := p.stream.Info(p.ctx)
			if err != nil {
				return 0, fmt.Errorf("package store: %w", err)
			}
			stored := uint64(0)
			if info.State.Bytes > p.base {
				stored = info.State.Bytes - p.base
			}
			if p.sent < stored+p.window {
				p.nextPoll = stored + p.window/2
				break
			}
			select {
			case <-p.ctx.Done():
				return 0, p.ctx.Err()
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	n, err := p.r.Read(b)
	p.sent += uint64(n)
	return n, err
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

func archiveFormat(p string) string {
	l := strings.ToLower(p)
	switch {
	case strings.HasSuffix(l, ".zip"):
		return "zip"
	case strings.HasSuffix(l, ".tar.gz"), strings.HasSuffix(l, ".tgz"):
		return "tar.gz"
	default:
		return "tar"
	}
}

// dirEntry is one file or folder of a folder sent as a tar stream.
type dirEntry struct {
	path, name string // on disk; in the tar
	info       fs.FileInfo
}

// listDir lists the folder for tarDir, regular files and folders only (links
// are refused: a package must hold its content, not point elsewhere), and
// estimates the tar's size from above for the common names: a header and a
// long-name record per entry, content padded to 512-byte blocks, the end.
func listDir(ctx context.Context, dir string) ([]dirEntry, int64, error) {
	var out []dirEntry
	est := int64(1024)
	base := filepath.Base(dir)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if !d.IsDir() && !fi.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file or folder (links are not accepted)", p)
		}
		out = append(out, dirEntry{path: p, name: filepath.ToSlash(filepath.Join(base, rel)), info: fi})
		est += 3*512 + (fi.Size()+511)/512*512
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("pack %s: %w", dir, err)
	}
	slices.SortStableFunc(out, func(a, b dirEntry) int { return cmp.Compare(metadataFirst(a), metadataFirst(b)) })
	return out, est, nil
}

// metadataFirst orders a package's tar: the files at its root (the root
// METS among them), then every other METS file (E-ARK representations),
// then the rest as found. A worker reading the tar in order then knows the
// package's identity and declared checksums before the content arrives, and
// stores each file as it validates it instead of reading the package twice.
func metadataFirst(e dirEntry) int {
	switch {
	case e.info.IsDir():
		if !strings.Contains(e.name, "/") {
			return 0 // the package's own folder
		}
		return 2
	case strings.Count(e.name, "/") == 1: // base/file
		return 0
	case strings.EqualFold(path.Base(e.name), "mets.xml"):
		return 1
	}
	return 2
}

// tarDir writes the listed folder as a tar stream, one copy buffer for all
// files, and puts the SHA-256 of its metadata files (those metadataFirst
// puts first) in sums.
func tarDir(ctx context.Context, w io.Writer, dir string, entries []dirEntry, sums map[string]string) error {
	tw := tar.NewWriter(w)
	buf := make([]byte, 64<<10)
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.info.IsDir() {
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: e.name + "/", Mode: 0o755, ModTime: e.info.ModTime()}); err != nil {
				return fmt.Errorf("pack %s: %w", dir, err)
			}
			continue
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: e.name, Mode: 0o644, Size: e.info.Size(), ModTime: e.info.ModTime()}); err != nil {
			return fmt.Errorf("pack %s: %w", dir, err)
		}
		f, err := os.Open(e.path)
		if err != nil {
			return fmt.Errorf("pack %s: %w", dir, err)
		}
		var dst io.Writer = tw
		var h hash.Hash
		if metadataFirst(e) < 2 {
			h = sha256.New()
			dst = io.MultiWriter(tw, h)
		}
		// Hiding the file's WriteTo makes io.CopyBuffer use buf instead of
		// allocating a buffer per file.
		n, err := io.CopyBuffer(dst, struct{ io.Reader }{f}, buf)
		_ = f.Close() // read only
		if h != nil {
			sums[e.name] = hex.EncodeToString(h.Sum(nil))
		}
		if err == nil && n != e.info.Size() {
			err = fmt.Errorf("%s changed size while sending", e.path)
		}
		if err != nil {
			return fmt.Errorf("pack %s: %w", dir, err)
		}
	}
	return tw.Close()
}

// CopyPackage writes a stored package to w and checks its size and SHA-256
// digest.
func (c *Client) CopyPackage(ctx context.Context, tenant, name string, w io.Writer) (int64, error) {
	r, err := c.OpenPackage(ctx, tenant, name)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	return io.Copy(w, r)
}

// OpenPackage opens a stored package for one read from its start. The
// reader checks the package's size and SHA-256 digest at the end, and fails
// there if either differs from what was stored.
//
// It reads the chunks with direct gets, a few ahead of the reader, instead
// of through a consumer: a small package is one or two requests instead of a
// consumer's set-up and tear-down, and a reader that pauses for a long time
// (an upload waiting on a slow S3) leaves no consumer waiting to time out.
func (c *Client) OpenPackage(ctx context.Context, tenant, name string) (io.ReadCloser, error) {
	return c.openPackage(ctx, tenant, name, true)
}

// OpenPackageUnhashed reads a stored package like OpenPackage but checks only
// its size, not its SHA-256 digest. It is for a later pass over a package a
// full read has already verified, when the caller checks what it reads
// another way (ingest's store pass sends every file's SHA-256 with the
// upload): hashing a 1 GB package again cost about a second of CPU.
func (c *Client) OpenPackageUnhashed(ctx context.Context, tenant, name string) (io.ReadCloser, error) {
	return c.openPackage(ctx, tenant, name, false)
}

// ReadPackage reads a stored package of size bytes (the size the ingest
// request gave) into memory, checked like OpenPackage. A package stored as
// one chunk comes back as that chunk's bytes, without a copy.
func (c *Client) ReadPackage(ctx context.Context, tenant, name string, size int64) ([]byte, error) {
	data, _, err := c.readPackage(ctx, tenant, name, size, true)
	return data, err
}

// ReadPackageUnhashed reads a package like ReadPackage but checks only its
// size. It is for a caller that checks the bytes another way first (ingest
// vouches for every file with a SHA-256 the producer wrote) and calls check
// only when that fails: check hashes the bytes read and compares them with
// the package store's digest.
func (c *Client) ReadPackageUnhashed(ctx context.Context, tenant, name string, size int64) (data []byte, check func() error, err error) {
	data, info, err := c.readPackage(ctx, tenant, name, size, false)
	if err != nil {
		return nil, nil, err
	}
	return data, func() error {
		h := sha256.New()
		h.Write(data)
		return checkDigest(name, h, info)
	}, nil
}

func (c *Client) readPackage(ctx context.Context, tenant, name string, size int64, hashed bool) ([]byte, *jetstream.ObjectInfo, error) {
	r, err := c.openPackage(ctx, tenant, name, hashed)
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = r.Close() }() // read only; its checks run in finish
	if int64(r.info.Size) != size {
		return nil, nil, fmt.Errorf("package %s holds %d bytes, expected %d", name, r.info.Size, size)
	}
	var out []byte
	for {
		b, ok := r.next()
		if !ok {
			break
		}
		switch {
		case r.n > size:
			// finish reports it
		case out == nil && int64(len(b)) == size:
			out = b
		default:
			if out == nil {
				out = make([]byte, 0, size)
			}
			out = append(out, b...)
		}
	}
	if err := r.finish(); err != io.EOF {
		return nil, nil, err
	}
	if out == nil {
		out = []byte{}
	}
	return out, r.info, nil
}

func (c *Client) openPackage(ctx context.Context, tenant, name string, hashed bool) (*packageReader, error) {
	obs, err := c.PackageStore(ctx, tenant)
	if err != nil {
		return nil, err
	}
	info, err := obs.GetInfo(ctx, name)
	if err != nil {
		return nil, err
	}
	stream, err := c.packageStream(ctx, tenant)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &packageReader{name: name, info: info, chunks: make(chan []byte, prefetchChunks), cancel: cancel}
	if hashed {
		r.h = sha256.New()
	}
	go r.fetch(ctx, stream, "$O."+PackageStore(tenant)+".C."+info.NUID)
	return r, nil
}

// prefetchChunks bounds the chunks read ahead (512 KiB each by default).
const prefetchChunks = 4

// chunkGetTimeout bounds one direct get; a timed-out get is tried again
// (chunkGetTries in all) before the read fails.
const (
	chunkGetTimeout = 10 * time.Second
	chunkGetTries   = 3
)

type packageReader struct {
	name   string
	info   *jetstream.ObjectInfo
	chunks chan []byte
	err    error // set by fetch before it closes chunks
	cancel context.CancelFunc
	cur    []byte
	n      int64
	h      hash.Hash // written by digest only; nil: the digest is not checked (OpenPackageUnhashed)
	done   error     // the result at the end, once known
}

// fetch gets the chunks in order and hands them to the reader, through
// digest when the digest is checked. Hashing on a goroutine of its own
// rather than in the reader or here puts the digest on another core than
// whatever the reader does with the bytes (validation hashes every file
// again), and lets the next chunk be on its way while this one is hashed.
func (r *packageReader) fetch(ctx context.Context, stream jetstream.Stream, subj string) {
	out := r.chunks
	if r.h != nil {
		out = make(chan []byte, cap(r.chunks))
		go r.digest(ctx, out)
	}
	defer close(out)
	seq := uint64(1)
	for i := uint32(0); i < r.info.Chunks; i++ {
		var m *jetstream.RawStreamMsg
		var err error
		for try := 1; ; try++ {
			gctx, cancel := context.WithTimeout(ctx, chunkGetTimeout)
			m, err = stream.GetMsg(gctx, seq, jetstream.WithGetMsgSubject(subj))
			cancel()
			if err == nil || ctx.Err() != nil || try == chunkGetTries ||
				!(errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout)) {
				break
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			r.err = fmt.Errorf("package %s chunk %d: %w", r.name, i, err)
			return
		}
		select {
		case out <- m.Data:
		case <-ctx.Done():
			r.err = ctx.Err()
			return
		}
		seq = m.Sequence + 1
	}
}

// digest adds each chunk fetch got to the digest and hands it on to the
// reader. It ends the reader's chunks once fetch has ended its own (having
// set err, if any, before).
func (r *packageReader) digest(ctx context.Context, in <-chan []byte) {
	defer close(r.chunks)
	for b := range in {
		r.h.Write(b)
		select {
		case r.chunks <- b:
		case <-ctx.Done():
			for range in { // until fetch sees the cancellation too
			}
			return
		}
	}
}

func (r *packageReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.done != nil {
			return 0, r.done
		}
		b, ok := r.next()
		if !ok {
			r.done = r.finish()
			return 0, r.done
		}
		r.cur = b
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// next takes the next chunk into the count; false at the end.
func (r *packageReader) next() ([]byte, bool) {
	b, ok := <-r.chunks
	if ok {
		r.n += int64(len(b))
	}
	return b, ok
}

// finish checks the package as read against what was stored.
func (r *packageReader) finish() error {
	switch {
	case r.err != nil:
		return r.err
	case r.n != int64(r.info.Size):
		return fmt.Errorf("package %s: read %d bytes, stored %d", r.name, r.n, r.info.Size)
	case r.h != nil:
		if err := checkDigest(r.name, r.h, r.info); err != nil {
			return err
		}
	}
	return io.EOF
}

// checkDigest compares the SHA-256 of a package as read (h) with the digest
// the package store holds for it.
func checkDigest(name string, h hash.Hash, info *jetstream.ObjectInfo) error {
	if got := jetstream.GetObjectDigestValue(h); got != info.Digest {
		return fmt.Errorf("package %s: digest %s, stored %s: %w", name, got, info.Digest, jetstream.ErrDigestMismatch)
	}
	return nil
}

// Close stops the read ahead.
func (r *packageReader) Close() error {
	r.cancel()
	for range r.chunks {
	}
	return nil
}

func (c *Client) packageStream(ctx context.Context, tenant string) (jetstream.Stream, error) {
	return cached(c, &c.streams, tenant, "package store", func() (jetstream.Stream, error) {
		return c.JS.Stream(ctx, "OBJ_"+PackageStore(tenant))
	})
}

// ErrOtherTenant is returned when a producer connection is used for another
// tenant. The server refuses such requests anyway (they would only time
// out); this makes the mistake visible at once.
var ErrOtherTenant = errors.New("a producer may act only for its own tenant")

func (c *Client) mayActFor(tenant string) error {
	if err := ids.Tenant(tenant); err != nil {
		return err // a wildcard or a dot would widen a subject
	}
	if c.tenant != "" && c.tenant != tenant {
		return fmt.Errorf("%w: logged in for %s, asked for %s", ErrOtherTenant, c.tenant, tenant)
	}
	return nil
}

// Publish records an event on the event stream (and waits for it to be stored).
func (c *Client) Publish(ctx context.Context, e earkiv.Event) error {
	msg, err := eventMsg(&e)
	if err != nil {
		return err
	}
	if _, err := c.JS.PublishMsg(ctx, msg, jetstream.WithMsgID(e.ID)); err != nil {
		return fmt.Errorf("event %s for %s: %w", e.Type, e.Tenant, err)
	}
	return nil
}

// PublishAsync records an event without waiting; the future says when it is
// stored. Events published through one client are stored in the order they
// were published, synchronous or not, so a worker can send several and wait
// once.
func (c *Client) PublishAsync(e earkiv.Event) (jetstream.PubAckFuture, error) {
	msg, err := eventMsg(&e)
	if err != nil {
		return nil, err
	}
	f, err := c.JS.PublishMsgAsync(msg, jetstream.WithMsgID(e.ID))
	if err != nil {
		return nil, fmt.Errorf("event %s for %s: %w", e.Type, e.Tenant, err)
	}
	return f, nil
}

// eventMsg fills in an event's id and time and encodes it.
func eventMsg(e *earkiv.Event) (*nats.Msg, error) {
	if e.ID == "" {
		e.ID = uuid.NewString()
	}
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	data, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("event %s for %s: %w", e.Type, e.Tenant, err)
	}
	return &nats.Msg{Subject: EventSubject(e.Tenant, e.Type), Data: data}, nil
}

// DecodeEvent reads an event message.
func DecodeEvent(m jetstream.Msg) (earkiv.Event, error) {
	var e earkiv.Event
	if err := json.Unmarshal(m.Data(), &e); err != nil {
		return e, fmt.Errorf("event on %s: %w", m.Subject(), err)
	}
	if md, err := m.Metadata(); err == nil {
		e.Seq, e.Pending = md.Sequence.Stream, md.NumPending
	}
	return e, nil
}

// FollowEvents calls fn for each event of tenant ("" = all) from sequence
// start (0 = only new ones) until ctx ends or fn fails.
func (c *Client) FollowEvents(ctx context.Context, tenant string, start uint64, fn func(earkiv.Event) error) error {
	return c.followEvents(ctx, tenant, start, false, fn)
}

// ReadEvents is FollowEvents that returns once it has caught up with the
// events stored when it started.
func (c *Client) ReadEvents(ctx context.Context, tenant string, start uint64, fn func(earkiv.Event) error) error {
	return c.followEvents(ctx, tenant, start, true, fn)
}

func (c *Client) followEvents(ctx context.Context, tenant string, start uint64, stopAtEnd bool, fn func(earkiv.Event) error) error {
	filter := "earkiv.events.>"
	if tenant != "" {
		if err := ids.Tenant(tenant); err != nil {
			return fmt.Errorf("follow events: %w", err)
		}
		filter = "earkiv.events." + tenant + ".>"
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}, DeliverPolicy: jetstream.DeliverNewPolicy}
	if start > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, start
	}
	cons, err := c.JS.OrderedConsumer(ctx, StreamEvents, cfg)
	if err != nil {
		return fmt.Errorf("follow events: %w", err)
	}
	if stopAtEnd {
		info, err := cons.Info(ctx)
		if err != nil {
			return fmt.Errorf("read events: %w", err)
		}
		if info.NumPending == 0 {
			return nil
		}
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("follow events: %w", err)
	}
	// The iterator stops when ctx ends (Next returns) and whenever this
	// returns, fn's error or the end of the stream included.
	unwatch := context.AfterFunc(ctx, it.Stop)
	defer func() { unwatch(); it.Stop() }()
	for {
		m, err := it.Next()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("follow events: %w", err)
		}
		e, err := DecodeEvent(m)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
		if md, err := m.Metadata(); stopAtEnd && err == nil && md.NumPending == 0 {
			return nil
		}
	}
}

package pkgfs

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"
)

// tarPackage reads a tar archive. Plain tar files get random access through the data
// offsets found while indexing; gzip streams and tars from a stream source are read
// in order (Walk), and Open of a small XML file is served from a cache filled during
// indexing.
type tarPackage struct {
	index
	gz      bool
	seq     bool                          // read in order only (gzip, or a stream source)
	src     func() (io.ReadCloser, error) // opens the raw archive from its start
	ra      io.ReaderAt                   // plain tar: for random access
	closer  io.Closer                     // closed with the package (the file, if any)
	offsets map[string]int64              // plain tar: data offset by stored name
	cache   map[string][]byte
	sums    map[string][]byte // read in order: each entry's SHA-256, by stored name
	tee     Tee               // stream source: offered each entry while indexing
	// lastGzip is the gzip reader of the last stream opened, for scan to
	// read the trailer. Only scan uses it, before the package is shared.
	lastGzip *gzip.Reader
}

// Tee is offered each regular file of a tar read from a stream while it is
// indexed, with the file's name as stored (top folder included) and its
// size, before the file's bytes are read; a non-nil writer gets a copy of
// them. It lets a caller do its own work in the same pass over the stream
// (ingest uploads the files while they are validated). The writer is closed
// with nil once the file was read whole, or with the error that ended the
// read. Its own write errors do not stop the scan: a writer that fails must
// discard the rest of the file and report the failure its own way.
type Tee func(name string, size int64) EntryWriter

// EntryWriter receives one file's bytes from a Tee; *io.PipeWriter is one.
type EntryWriter interface {
	io.Writer
	CloseWithError(err error) error
}

// teeWriter shields the scan from a tee's failures.
type teeWriter struct {
	w   EntryWriter
	err error
}

func (t *teeWriter) Write(p []byte) (int, error) {
	if t.err == nil {
		_, t.err = t.w.Write(p)
	}
	return len(p), nil
}

// cacheable files are kept in memory while a compressed tar is indexed, so that the
// METS and metadata files can be parsed without a second decompression pass.
const (
	cacheMaxFile  = 64 << 20
	cacheMaxTotal = 256 << 20
)

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// openTar indexes a tar archive that allows random access; c is closed with
// the package.
func openTar(ra io.ReaderAt, c io.Closer, size int64, gz bool, name string, lim Limits) (Package, error) {
	src := func() (io.ReadCloser, error) { return io.NopCloser(io.NewSectionReader(ra, 0, size)), nil }
	t := &tarPackage{gz: gz, seq: gz, src: src, ra: ra, closer: c, offsets: map[string]int64{}, cache: map[string][]byte{}, sums: map[string][]byte{}, index: index{byName: map[string]int{}}}
	if err := t.scan(lim, size); err != nil {
		return nil, err
	}
	t.finish(archiveBase(name), true)
	return t, nil
}

// archiveBase is an archive's name without its path and tar extensions.
func archiveBase(name string) string {
	base := path.Base(filepath.ToSlash(name))
	for _, ext := range []string{".gz", ".tgz", ".tar"} {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

// OpenTarStream reads a tar (gz: gzip-compressed) archive from a source that
// can only be read in order, such as a package held in a message store. open
// is called once per pass (indexing, then each Walk) and must return the
// archive from its start each time. Nothing is written to disk; small XML
// files are cached in memory for Open.
func OpenTarStream(name string, gz bool, open func() (io.ReadCloser, error), lim Limits) (Package, error) {
	return OpenTarStreamTee(name, gz, open, lim, nil)
}

// OpenTarStreamTee is OpenTarStream with tee offered every file while the
// archive is indexed.
func OpenTarStreamTee(name string, gz bool, open func() (io.ReadCloser, error), lim Limits, tee Tee) (Package, error) {
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	t := &tarPackage{gz: gz, seq: true, src: open, tee: tee, offsets: map[string]int64{}, cache: map[string][]byte{}, sums: map[string][]byte{}, index: index{byName: map[string]int{}}}
	if err := t.scan(lim, -1); err != nil {
		return nil, err
	}
	t.finish(archiveBase(name), true)
	return t, nil
}

// stream opens the archive from its start as a tar reader; raw counts the
// archive bytes read.
func (t *tarPackage) stream() (*tar.Reader, *countingReader, func(), error) {
	rc, err := t.src()
	if err != nil {
		return nil, nil, nil, err
	}
	raw := &countingReader{r: sourceReader{rc}}
	if !t.gz {
		return tar.NewReader(raw), raw, func() { rc.Close() }, nil
	}
	zr, err := gzip.NewReader(raw)
	if err != nil {
		rc.Close()
		return nil, nil, nil, tarError("", "unreadable gzip stream", err)
	}
	t.lastGzip = zr
	return tar.NewReader(zr), raw, func() { _ = zr.Close(); _ = rc.Close() }, nil
}

// tarError tells damage in a tar (the producer's fault) from a failure to
// read it from its source (an outage), which stays a plain error.
func tarError(entry, what string, err error) error {
	if isSourceError(err) {
		if entry != "" {
			return fmt.Errorf("read %s in tar: %w", entry, err)
		}
		return fmt.Errorf("read tar: %w", err)
	}
	var d *Defect
	if errors.As(err, &d) {
		return err
	}
	kind := DefectFormat
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, io.ErrUnexpectedEOF) {
		kind = DefectCorrupt
	}
	return defect(kind, entry, "%s: %v", what, err)
}

// scan indexes the archive; size is the archive's size when known, else -1.
func (t *tarPackage) scan(lim Limits, size int64) error {
	tr, raw, done, err := t.stream()
	if err != nil {
		return err
	}
	defer done()
	var cached int64
	copyBuf := make([]byte, 256<<10)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return tarError("", "unreadable tar archive", err)
		}
		switch h.Typeflag {
		case tar.TypeDir, tar.TypeXGlobalHeader:
			if _, err := CleanName(h.Name, lim.MaxNameLength); err != nil && h.Typeflag == tar.TypeDir {
				return defect(DefectPath, h.Name, "%v", err)
			}
			continue
		case tar.TypeReg, typeRegA:
		case tar.TypeSymlink:
			return defect(DefectLink, h.Name, "symbolic link to %q", h.Linkname)
		case tar.TypeLink:
			return defect(DefectLink, h.Name, "hard link to %q", h.Linkname)
		default:
			return defect(DefectLink, h.Name, "not a regular file (tar type %q)", h.Typeflag)
		}
		name, err := CleanName(h.Name, lim.MaxNameLength)
		if err != nil {
			return defect(DefectPath, h.Name, "%v", err)
		}
		if err := t.add(name, h.Size, lim); err != nil {
			return err
		}
		if !t.seq {
			t.offsets[name] = raw.n
			continue
		}
		// gzip: watch the expansion ratio as we go; sequential: keep small XML files.
		if t.gz && raw.n > 0 && t.total > lim.RatioMinBytes && t.total/raw.n > lim.MaxRatio {
			return defect(DefectBomb, name, "archive expands over %d:1", lim.MaxRatio)
		}
		// Every byte is read here anyway: hash it, so validation needs no
		// second pass for SHA-256.
		hash := sha256.New()
		var w io.Writer = hash
		var buf *bytes.Buffer
		var src io.Reader = tr
		xmlish := strings.HasSuffix(strings.ToLower(name), ".xml")
		if !xmlish && h.Size <= cacheMaxFile && cached+h.Size <= cacheMaxTotal {
			br := bufio.NewReaderSize(tr, 512)
			head, _ := br.Peek(min(int(h.Size), 512))
			xmlish, src = looksXML(head), br
		}
		if xmlish && h.Size <= cacheMaxFile && cached+h.Size <= cacheMaxTotal {
			buf = bytes.NewBuffer(make([]byte, 0, h.Size))
			w = io.MultiWriter(hash, buf)
		}
		var tw EntryWriter
		if t.tee != nil {
			if tw = t.tee(name, h.Size); tw != nil {
				w = io.MultiWriter(w, &teeWriter{w: tw})
			}
		}
		_, err = io.CopyBuffer(w, &exactReader{r: src, left: h.Size, name: name}, copyBuf)
		if tw != nil {
			_ = tw.CloseWithError(err) // hands err to the tee; its own answer is not needed
		}
		if err != nil {
			return tarError(name, "truncated entry", err)
		}
		t.sums[name] = hash.Sum(nil)
		if buf != nil {
			t.cache[name] = buf.Bytes()
			cached += h.Size
		}
	}
	if t.gz {
		// The gzip trailer (CRC-32 and length of the whole stream) is
		// checked only when it is read: past the tar's end blocks.
		// Bytes after the last member that are not gzip (zero padding
		// some writers add) are not the archive's and are left alone.
		if _, err := io.Copy(io.Discard, t.lastGzip); err != nil && !errors.Is(err, gzip.ErrHeader) {
			return tarError("", "damaged gzip stream", err)
		}
	}
	if !t.gz && size >= 0 && t.total > size {
		return defect(DefectFormat, "", "entries declare more data than the archive holds")
	}
	return nil
}

func (t *tarPackage) Open(name string) (io.ReadCloser, error) {
	e, ok := t.lookup(name)
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	stored := t.StoredName(name)
	if !t.seq {
		sr := io.NewSectionReader(t.ra, t.offsets[stored], e.Size)
		return io.NopCloser(&exactReader{r: sr, left: e.Size, name: name}), nil
	}
	if b, ok := t.cache[stored]; ok {
		return io.NopCloser(bytes.NewReader(b)), nil
	}
	// Not cached: read up to the entry. Correct but slow; Walk is the fast path.
	tr, _, done, err := t.stream()
	if err != nil {
		return nil, err
	}
	for {
		h, err := tr.Next()
		if err != nil {
			done()
			return nil, fmt.Errorf("%s: %w", name, ErrNotFound)
		}
		if c, _ := CleanName(h.Name, 0); c == stored && (h.Typeflag == tar.TypeReg || h.Typeflag == typeRegA) {
			return readCloser{Reader: &exactReader{r: tr, left: e.Size, name: name}, close: func() error { done(); return nil }}, nil
		}
	}
}

func (t *tarPackage) Concurrent() bool { return !t.seq }

// CheapOpen implements CheapOpener.
func (t *tarPackage) CheapOpen(name string) bool {
	_, ok := t.cache[t.StoredName(name)]
	return ok || !t.seq
}

// looksXML tells from a file's first bytes whether it may be an XML
// document: '<' after whitespace, or a byte order mark.
func looksXML(head []byte) bool {
	switch {
	case bytes.HasPrefix(head, []byte{0xef, 0xbb, 0xbf}), bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return true
	}
	head = bytes.TrimLeft(head, " \t\r\n")
	return len(head) > 0 && head[0] == '<'
}

// SHA256 implements Summed for tars read in order.
func (t *tarPackage) SHA256(name string) ([]byte, bool) {
	sum, ok := t.sums[t.StoredName(name)]
	return sum, ok
}

func (t *tarPackage) Walk(ctx context.Context, fn func(Entry, io.Reader) error) error {
	if !t.seq {
		return walkByOpen(ctx, t, fn)
	}
	tr, _, done, err := t.stream()
	if err != nil {
		return err
	}
	defer done()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read tar: %w", err)
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != typeRegA {
			continue
		}
		c, _ := CleanName(h.Name, 0)
		name := strings.TrimPrefix(c, t.prefix)
		e, ok := t.lookup(name)
		if !ok {
			continue
		}
		if err := fn(e, &exactReader{r: tr, left: e.Size, name: name}); err != nil {
			return err
		}
	}
}

func (t *tarPackage) Close() error {
	if t.closer != nil {
		return t.closer.Close()
	}
	return nil
}

// typeRegA is the type flag of a regular file from pre-POSIX tar writers
// ('\x00'); archive/tar deprecates its name but such tars still arrive.
const typeRegA = '\x00'

package pkgfs

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// tarPackage reads a tar archive. Plain tar files get random access through the data
// offsets found while indexing; gzip streams are read in order (Walk), and Open of a
// small XML file is served from a cache filled during indexing.
type tarPackage struct {
	index
	path    string
	gz      bool
	f       *os.File
	offsets map[string]int64 // plain tar: data offset by stored name
	cache   map[string][]byte
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

func openTar(p string, gz bool, lim Limits) (Package, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open package: %w", err)
	}
	t := &tarPackage{path: p, gz: gz, f: f, offsets: map[string]int64{}, cache: map[string][]byte{}, index: index{byName: map[string]int{}}}
	if err := t.scan(lim); err != nil {
		f.Close()
		return nil, err
	}
	base := filepath.Base(p)
	for _, ext := range []string{".gz", ".tgz", ".tar"} {
		base = strings.TrimSuffix(base, ext)
	}
	t.finish(base, true)
	return t, nil
}

func (t *tarPackage) stream() (*tar.Reader, *countingReader, func(), error) {
	if _, err := t.f.Seek(0, io.SeekStart); err != nil {
		return nil, nil, nil, err
	}
	raw := &countingReader{r: t.f}
	if !t.gz {
		return tar.NewReader(raw), raw, func() {}, nil
	}
	zr, err := gzip.NewReader(raw)
	if err != nil {
		return nil, nil, nil, defect(DefectFormat, "", "unreadable gzip stream: %v", err)
	}
	return tar.NewReader(zr), raw, func() { zr.Close() }, nil
}

func (t *tarPackage) scan(lim Limits) error {
	fi, err := t.f.Stat()
	if err != nil {
		return err
	}
	tr, raw, done, err := t.stream()
	if err != nil {
		return err
	}
	defer done()
	var cached int64
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return defect(DefectFormat, "", "unreadable tar archive: %v", err)
		}
		switch h.Typeflag {
		case tar.TypeDir, tar.TypeXGlobalHeader:
			if _, err := CleanName(h.Name, lim.MaxNameLength); err != nil && h.Typeflag == tar.TypeDir {
				return defect(DefectPath, h.Name, "%v", err)
			}
			continue
		case tar.TypeReg, tar.TypeRegA:
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
		if !t.gz {
			t.offsets[name] = raw.n
			continue
		}
		// gzip: watch the expansion ratio as we go, and keep small XML files.
		if raw.n > 0 && t.total > lim.RatioMinBytes && t.total/raw.n > lim.MaxRatio {
			return defect(DefectBomb, name, "archive expands over %d:1", lim.MaxRatio)
		}
		if strings.HasSuffix(strings.ToLower(name), ".xml") && h.Size <= cacheMaxFile && cached+h.Size <= cacheMaxTotal {
			var buf bytes.Buffer
			if _, err := io.Copy(&buf, &exactReader{r: tr, left: h.Size, name: name}); err != nil {
				return defect(DefectFormat, name, "truncated entry: %v", err)
			}
			t.cache[name] = buf.Bytes()
			cached += h.Size
		}
	}
	if !t.gz && t.total > fi.Size() {
		return defect(DefectFormat, "", "entries declare more data than the archive holds")
	}
	return nil
}

func (t *tarPackage) Open(name string) (io.ReadCloser, error) {
	e, ok := t.lookup(name)
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	stored := t.stored(name)
	if !t.gz {
		sr := io.NewSectionReader(t.f, t.offsets[stored], e.Size)
		return io.NopCloser(&exactReader{r: sr, left: e.Size, name: name}), nil
	}
	if b, ok := t.cache[stored]; ok {
		return io.NopCloser(bytes.NewReader(b)), nil
	}
	// Not cached: decompress up to the entry. Correct but slow; Walk is the fast path.
	f, err := os.Open(t.path)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", name, ErrNotFound)
		}
		if c, _ := CleanName(h.Name, 0); c == stored && (h.Typeflag == tar.TypeReg || h.Typeflag == tar.TypeRegA) {
			return readCloser{Reader: &exactReader{r: tr, left: e.Size, name: name}, close: f.Close}, nil
		}
	}
}

func (t *tarPackage) Concurrent() bool { return !t.gz }

func (t *tarPackage) Walk(ctx context.Context, fn func(Entry, io.Reader) error) error {
	if !t.gz {
		return walkByOpen(ctx, t, fn)
	}
	f, err := os.Open(t.path)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(zr)
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
		if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeRegA {
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

func (t *tarPackage) Close() error { return t.f.Close() }

package pkgfs

import (
	"archive/zip"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
)

type zipPackage struct {
	index
	closer io.Closer // the file, if any
	zr     *zip.Reader
	files  map[string]*zip.File // by stored name
}

func openZip(ra io.ReaderAt, c io.Closer, size int64, name string, lim Limits) (Package, error) {
	ra = sourceReaderAt{ra}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		if isSourceError(err) {
			return nil, fmt.Errorf("read zip: %w", err)
		}
		return nil, defect(DefectFormat, "", "unreadable zip archive: %v", err)
	}
	z := &zipPackage{closer: c, zr: zr, files: map[string]*zip.File{}, index: index{byName: map[string]int{}}}
	if err := z.scan(ra, size, lim); err != nil {
		return nil, err
	}
	base := path.Base(filepath.ToSlash(name))
	z.finish(strings.TrimSuffix(base, path.Ext(base)), true)
	return z, nil
}

func (z *zipPackage) scan(ra io.ReaderAt, archiveSize int64, lim Limits) error {
	type span struct {
		start, end int64
		name       string
	}
	var spans []span
	var declared int64
	for _, zf := range z.zr.File {
		mode := zf.Mode()
		raw := zf.Name
		if mode.IsDir() || strings.HasSuffix(raw, "/") {
			if _, err := CleanName(raw, lim.MaxNameLength); err != nil {
				return defect(DefectPath, raw, "%v", err)
			}
			continue
		}
		if !mode.IsRegular() {
			return defect(DefectLink, raw, "not a regular file (%s)", mode.Type())
		}
		name, err := CleanName(raw, lim.MaxNameLength)
		if err != nil {
			return defect(DefectPath, raw, "%v", err)
		}
		usize := int64(zf.UncompressedSize64)
		csize := int64(zf.CompressedSize64)
		if zf.UncompressedSize64 > 1<<62 || zf.CompressedSize64 > 1<<62 {
			return defect(DefectSize, name, "impossible entry size")
		}
		if usize >= lim.RatioMinBytes && (csize == 0 || usize/max(csize, 1) > lim.MaxRatio) {
			return defect(DefectBomb, name, "compression ratio %d:1 over the limit of %d:1", usize/max(csize, 1), lim.MaxRatio)
		}
		declared += usize
		if err := z.add(name, usize, lim); err != nil {
			return err
		}
		off, err := zf.DataOffset()
		if err != nil {
			if isSourceError(err) {
				return fmt.Errorf("read zip: %w", err)
			}
			return defect(DefectFormat, name, "bad local header: %v", err)
		}
		if off < 0 || off+csize > archiveSize {
			return defect(DefectFormat, name, "entry data outside the archive")
		}
		if err := checkLocalName(ra, zf, off); err != nil {
			return err
		}
		spans = append(spans, span{off, off + csize, name})
		z.files[name] = zf
	}
	if archiveSize > 0 && declared > lim.RatioMinBytes && declared/archiveSize > lim.MaxRatio {
		return defect(DefectBomb, "", "archive expands %d:1, over the limit of %d:1", declared/archiveSize, lim.MaxRatio)
	}
	// Overlapping entries are the trick of non-recursive zip bombs: many names, one
	// compressed block. No honest zip writer produces them.
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			return defect(DefectBomb, spans[i].name, "entry data overlaps %s", spans[i-1].name)
		}
	}
	return nil
}

func (z *zipPackage) Open(name string) (io.ReadCloser, error) {
	e, ok := z.lookup(name)
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	zf := z.files[z.StoredName(name)]
	rc, err := zf.Open()
	if err != nil {
		return nil, zipError(name, err)
	}
	return readCloser{Reader: &exactReader{r: zipEntryReader{rc, name}, left: e.Size, name: name}, close: rc.Close}, nil
}

// zipEntryReader reports damage in an entry's stored data as a Defect.
type zipEntryReader struct {
	r    io.Reader
	name string
}

func (z zipEntryReader) Read(p []byte) (int, error) {
	n, err := z.r.Read(p)
	if err != nil && err != io.EOF {
		err = zipError(z.name, err)
	}
	return n, err
}

// zipError tells damage in a zip entry (the producer's fault) from a
// failure to read the archive (an outage), which stays a plain error.
func zipError(name string, err error) error {
	var ce flate.CorruptInputError
	switch {
	case isSourceError(err):
		return fmt.Errorf("read %s in zip: %w", name, err)
	case errors.Is(err, zip.ErrChecksum):
		return defect(DefectCorrupt, name, "data do not match the entry's CRC-32: the archive is damaged")
	case errors.As(err, &ce):
		return defect(DefectCorrupt, name, "damaged deflate data at byte %d of the entry's compressed data", int64(ce))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return defect(DefectCorrupt, name, "compressed data end before the entry's declared size")
	case errors.Is(err, zip.ErrFormat):
		return defect(DefectCorrupt, name, "entry holds more data than its header declares, or its local header is damaged")
	case errors.Is(err, zip.ErrAlgorithm):
		return defect(DefectFormat, name, "unsupported compression method (only stored and deflate are read)")
	}
	return fmt.Errorf("read %s in zip: %w", name, err)
}

// checkLocalName compares the name in an entry's local header with the one
// in the central directory: unzip tools that stream an archive go by the
// local header, so a difference would let them extract a file earkiv never
// checked. off is where the entry's data begin, just after that header.
func checkLocalName(ra io.ReaderAt, zf *zip.File, off int64) error {
	h, ok := headerOffset(zf)
	if !ok {
		return nil // see headerOffset; TestZipLocalName fails then
	}
	var fixed [30]byte
	if _, err := ra.ReadAt(fixed[:], h); err != nil {
		return zipError(zf.Name, err)
	}
	n := int64(binary.LittleEndian.Uint16(fixed[26:28]))
	m := int64(binary.LittleEndian.Uint16(fixed[28:30]))
	if binary.LittleEndian.Uint32(fixed[:4]) != 0x04034b50 || h+30+n+m != off {
		return defect(DefectFormat, zf.Name, "damaged local header")
	}
	local := make([]byte, n)
	if _, err := ra.ReadAt(local, h+30); err != nil {
		return zipError(zf.Name, err)
	}
	if string(local) != zf.Name {
		return defect(DefectFormat, zf.Name, "the local header names this entry %q, the central directory %q", local, zf.Name)
	}
	return nil
}

// headerOffset is where an entry's local header starts. archive/zip keeps
// it unexported (DataOffset reads the header there), so it is read by
// reflection; ok is false if a Go release renames the field.
func headerOffset(zf *zip.File) (int64, bool) {
	f := reflect.ValueOf(zf).Elem().FieldByName("headerOffset")
	if !f.IsValid() || f.Kind() != reflect.Int64 {
		return 0, false
	}
	return f.Int(), true
}

func (z *zipPackage) Concurrent() bool { return true }

func (z *zipPackage) Walk(ctx context.Context, fn func(Entry, io.Reader) error) error {
	return walkByOpen(ctx, z, fn)
}

func (z *zipPackage) Close() error { return z.closer.Close() }

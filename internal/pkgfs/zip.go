package pkgfs

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"path"
	"path/filepath"
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
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, defect(DefectFormat, "", "unreadable zip archive: %v", err)
	}
	z := &zipPackage{closer: c, zr: zr, files: map[string]*zip.File{}, index: index{byName: map[string]int{}}}
	if err := z.scan(size, lim); err != nil {
		return nil, err
	}
	base := path.Base(filepath.ToSlash(name))
	z.finish(strings.TrimSuffix(base, path.Ext(base)), true)
	return z, nil
}

func (z *zipPackage) scan(archiveSize int64, lim Limits) error {
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
			return defect(DefectFormat, name, "bad local header: %v", err)
		}
		if off < 0 || off+csize > archiveSize {
			return defect(DefectFormat, name, "entry data outside the archive")
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
		return nil, fmt.Errorf("open %s in zip: %w", name, err)
	}
	return readCloser{Reader: &exactReader{r: rc, left: e.Size, name: name}, close: rc.Close}, nil
}

func (z *zipPackage) Concurrent() bool { return true }

func (z *zipPackage) Walk(ctx context.Context, fn func(Entry, io.Reader) error) error {
	return walkByOpen(ctx, z, fn)
}

func (z *zipPackage) Close() error { return z.closer.Close() }

package pkgfs

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

type dirPackage struct {
	index
	root string
}

func openDir(root string, lim Limits) (Package, error) {
	p := &dirPackage{root: root, index: index{byName: map[string]int{}}}
	err := filepath.WalkDir(root, func(full string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read package dir: %w", err)
		}
		if full == root {
			return nil
		}
		rel, err := filepath.Rel(root, full)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			return defect(DefectLink, rel, "symbolic link")
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			return defect(DefectLink, rel, "not a regular file (%s)", d.Type())
		}
		name, cerr := CleanName(rel, lim.MaxNameLength)
		if cerr != nil {
			return defect(DefectPath, rel, "%v", cerr)
		}
		fi, err := d.Info()
		if err != nil {
			return fmt.Errorf("stat %s: %w", rel, err)
		}
		return p.add(name, fi.Size(), lim)
	})
	if err != nil {
		return nil, err
	}
	p.finish(filepath.Base(filepath.Clean(root)), false)
	return p, nil
}

func (p *dirPackage) Open(name string) (io.ReadCloser, error) {
	e, ok := p.lookup(name)
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	f, err := os.Open(filepath.Join(p.root, filepath.FromSlash(name)))
	if err != nil {
		return nil, err
	}
	return readCloser{Reader: &exactReader{r: f, left: e.Size, name: name}, close: f.Close}, nil
}

func (p *dirPackage) Concurrent() bool { return true }

func (p *dirPackage) Walk(ctx context.Context, fn func(Entry, io.Reader) error) error {
	return walkByOpen(ctx, p, fn)
}

func (p *dirPackage) Close() error { return nil }

// walkByOpen implements Walk for packages with cheap random access.
func walkByOpen(ctx context.Context, p Package, fn func(Entry, io.Reader) error) error {
	for _, e := range p.Entries() {
		if err := ctx.Err(); err != nil {
			return err
		}
		rc, err := p.Open(e.Name)
		if err != nil {
			return err
		}
		err = fn(e, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

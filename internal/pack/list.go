package pack

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
)

// Entry is one file or folder of a folder to be sent as a tar stream.
type Entry struct {
	Path string // on disk
	Name string // in the tar
	Info fs.FileInfo
}

// Rank is the entry's place in the tar.
func (e Entry) Rank() Rank { return RankOf(e.Name, e.Info.IsDir()) }

// List lists the folder for Tar in Rank order, regular files and folders
// only (links are refused: a package must hold its content, not point
// elsewhere), and estimates the tar's size from above for the common
// names: a header and a long-name record per entry, content padded to
// 512-byte blocks, the end.
func List(ctx context.Context, dir string) ([]Entry, int64, error) {
	var out []Entry
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
		out = append(out, Entry{Path: p, Name: filepath.ToSlash(filepath.Join(base, rel)), Info: fi})
		est += 3*512 + (fi.Size()+511)/512*512
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("pack %s: %w", dir, err)
	}
	slices.SortStableFunc(out, func(a, b Entry) int { return cmp.Compare(a.Rank(), b.Rank()) })
	return out, est, nil
}

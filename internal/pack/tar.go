package pack

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
)

// Tar writes the listed folder as a tar stream, one copy buffer for all
// files, and puts the SHA-256 of its metadata files (see Metadata) in
// sums, by name in the tar.
func Tar(ctx context.Context, w io.Writer, dir string, entries []Entry, sums map[string]string) error {
	tw := tar.NewWriter(w)
	buf := make([]byte, 64<<10)
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.Info.IsDir() {
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: e.Name + "/", Mode: 0o755, ModTime: e.Info.ModTime()}); err != nil {
				return fmt.Errorf("pack %s: %w", dir, err)
			}
			continue
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: e.Name, Mode: 0o644, Size: e.Info.Size(), ModTime: e.Info.ModTime()}); err != nil {
			return fmt.Errorf("pack %s: %w", dir, err)
		}
		f, err := os.Open(e.Path)
		if err != nil {
			return fmt.Errorf("pack %s: %w", dir, err)
		}
		var dst io.Writer = tw
		var h hash.Hash
		if Metadata(e.Name, false) {
			h = sha256.New()
			dst = io.MultiWriter(tw, h)
		}
		// Hiding the file's WriteTo makes io.CopyBuffer use buf instead of
		// allocating a buffer per file.
		n, err := io.CopyBuffer(dst, struct{ io.Reader }{f}, buf)
		_ = f.Close() // read only
		if h != nil {
			sums[e.Name] = hex.EncodeToString(h.Sum(nil))
		}
		if err == nil && n != e.Info.Size() {
			err = fmt.Errorf("%s changed size while sending", e.Path)
		}
		if err != nil {
			return fmt.Errorf("pack %s: %w", dir, err)
		}
	}
	return tw.Close()
}

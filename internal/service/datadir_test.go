package service

import (
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// TestPrivateDataDir: a new data folder is private, and one made open by
// an older version or another command is closed: the folder, its files and
// the folders of its parts; a link's target is left alone.
func TestPrivateDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := privateDataDir(dir, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Fatalf("new folder: %v", fi.Mode().Perm())
	}
	outside := filepath.Join(t.TempDir(), "shared.txt")
	os.WriteFile(outside, nil, 0o644)
	os.Chmod(dir, 0o755)
	os.WriteFile(SecretsFile(dir), []byte("x"), 0o644)
	os.WriteFile(CatalogFile(dir), []byte("x"), 0o640)
	os.WriteFile(CatalogFile(dir)+"-wal", []byte("x"), 0o644)
	os.Mkdir(filepath.Join(dir, "nats"), 0o750)
	os.Mkdir(filepath.Join(dir, "spool"), 0o700)
	os.Symlink(outside, filepath.Join(dir, "link"))
	if err := privateDataDir(dir, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		if fi, _ := d.Info(); fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: %v", p, fi.Mode().Perm())
		}
		return nil
	})
	if fi, _ := os.Stat(outside); fi.Mode().Perm() != 0o644 {
		t.Errorf("link target changed: %v", fi.Mode().Perm())
	}
}

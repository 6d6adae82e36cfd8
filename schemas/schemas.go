// Package schemas gives the rest of earkiv one file tree with the official XML schemas
// (METS, PREMIS, FGS, E-ARK, CITS ERMS). The files are not committed: `make schemas`
// copies them from ../shared/schemas into official/ before a build embeds them, and a
// binary or test run without that copy finds them on disk instead.
package schemas

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed all:official
var official embed.FS

// EnvDir names the environment variable that points at a schema folder.
const EnvDir = "EARKIV_SCHEMA_DIR"

// marker is a file every complete schema tree has; it tells a filled tree from the
// placeholder README that is all a fresh clone embeds.
const marker = "wrappers/eark-csip-sip-2.xsd"

// Open returns the schema tree. dir, when set, wins (an operator's explicit choice);
// then EARKIV_SCHEMA_DIR; then the copy embedded at build time; then a shared/schemas
// folder found by walking up from the working directory (a fresh clone beside ../shared).
func Open(dir string) (fs.FS, string, error) {
	if dir == "" {
		dir = os.Getenv(EnvDir)
	}
	if dir != "" {
		// Absolute, so a later change of working directory (the embedded S3
		// gateway makes one) cannot redirect it.
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		fsys := os.DirFS(dir)
		if _, err := fs.Stat(fsys, marker); err != nil {
			return nil, "", fmt.Errorf("schema dir %s: not a schema tree (no %s): %w", dir, marker, err)
		}
		return fsys, dir, nil
	}
	if sub, err := fs.Sub(official, "official"); err == nil {
		if _, err := fs.Stat(sub, marker); err == nil {
			return sub, "embedded", nil
		}
	}
	if found := findShared(); found != "" {
		return os.DirFS(found), found, nil
	}
	return nil, "", errors.New("no schemas: build with `make` (embeds them), or set --schema-dir / " + EnvDir)
}

func findShared() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := wd; ; d = filepath.Dir(d) {
		for _, c := range []string{
			filepath.Join(d, "schemas", "official"),
			filepath.Join(d, "shared", "schemas"),
			filepath.Join(d, "..", "shared", "schemas"),
		} {
			if _, err := os.Stat(filepath.Join(c, filepath.FromSlash(marker))); err == nil {
				return c
			}
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

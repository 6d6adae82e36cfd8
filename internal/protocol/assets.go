package protocol

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// fontDirs are searched, in order, for DejaVu Sans after the directory in
// the environment variable EARKIV_FONT_DIR. Debian's fonts-dejavu-core
// installs the first.
var fontDirs = []string{
	"/usr/share/fonts/truetype/dejavu",
	"/usr/share/fonts/dejavu",
	"/usr/share/fonts/TTF",
	"/usr/share/fonts/truetype",
	"/usr/local/share/fonts",
	"/usr/local/share/fonts/dejavu",
	"/Library/Fonts",
}

// iccPaths are tried, in order, for an sRGB profile after the file named by
// the environment variable EARKIV_ICC_PROFILE. Debian's icc-profiles-free
// installs the first (zlib licence), colord-data the second.
var iccPaths = []string{
	"/usr/share/color/icc/sRGB.icc",
	"/usr/share/color/icc/colord/sRGB.icc",
	"/usr/share/color/icc/ghostscript/srgb.icc",
	"/usr/share/ghostscript/iccprofiles/srgb.icc",
}

const (
	fontRegular = "DejaVuSans.ttf"
	fontBold    = "DejaVuSans-Bold.ttf"
)

// assets are the files a PDF embeds.
type assets struct {
	regular, bold, icc []byte
}

// loaded caches the files by the paths they were read from, so that a
// process renders many protocols without reading them again.
var loaded struct {
	mu    sync.Mutex
	files map[string][]byte
}

func readCached(path string) ([]byte, error) {
	loaded.mu.Lock()
	defer loaded.mu.Unlock()
	if b, ok := loaded.files[path]; ok {
		return b, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if loaded.files == nil {
		loaded.files = map[string][]byte{}
	}
	loaded.files[path] = b
	return b, nil
}

// findFont reads name from the first directory that has it.
func findFont(name string) ([]byte, error) {
	env := os.Getenv("EARKIV_FONT_DIR")
	dirs := fontDirs
	if env != "" {
		dirs = append([]string{env}, dirs...)
	}
	for _, d := range dirs {
		b, err := readCached(filepath.Join(d, name))
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("protocol: font %s: %w", name, err)
		}
	}
	if env == "" {
		env = "unset"
	}
	return nil, fmt.Errorf("protocol: font %s not found in EARKIV_FONT_DIR (%s) or %s; install fonts-dejavu-core or set EARKIV_FONT_DIR",
		name, env, strings.Join(fontDirs, ", "))
}

// findICC reads the first sRGB profile found.
func findICC() ([]byte, error) {
	paths := iccPaths
	env := os.Getenv("EARKIV_ICC_PROFILE")
	if env != "" {
		paths = append([]string{env}, paths...)
	}
	for _, p := range paths {
		b, err := readCached(p)
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("protocol: ICC profile %s: %w", p, err)
		}
	}
	if env == "" {
		env = "unset"
	}
	return nil, fmt.Errorf("protocol: no sRGB ICC profile in EARKIV_ICC_PROFILE (%s) or %s; install icc-profiles-free or set EARKIV_ICC_PROFILE",
		env, strings.Join(iccPaths, ", "))
}

func loadAssets() (assets, error) {
	var a assets
	var err error
	if a.regular, err = findFont(fontRegular); err != nil {
		return a, err
	}
	if a.bold, err = findFont(fontBold); err != nil {
		return a, err
	}
	if a.icc, err = findICC(); err != nil {
		return a, err
	}
	return a, nil
}

// Package pkgfs reads a delivery package (a directory, a .zip, or a .tar, optionally
// gzip-compressed) as a flat list of regular files, without extracting it to disk.
//
// Everything a hostile or broken package could use against the archive is refused
// while the package is opened: paths that escape the root, absolute paths, links,
// device files, duplicate entries, entries over the size limits and zip bombs. Such
// a refusal is a *Defect, a property of the package (it is invalid), as opposed to
// an I/O error (the package could not be read at all).
package pkgfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
)

// Entry is one regular file of a package.
type Entry struct {
	Name string // slash-separated path relative to the package root
	Size int64
}

// Package is an opened delivery package.
type Package interface {
	// Name is the package root name: the directory name, or the single top-level
	// folder inside an archive, or the archive's base name without extension.
	Name() string
	// Entries lists the regular files, sorted by name.
	Entries() []Entry
	// StoredName is the name an entry has inside its archive: with the top
	// folder that Name and the entry names leave out, if any.
	StoredName(name string) string
	// Open opens one file for reading. Its reader fails if the file yields more
	// bytes than its entry size.
	Open(name string) (io.ReadCloser, error)
	// Concurrent tells whether Open is cheap enough to be called from many goroutines
	// (false for compressed tar streams, where Walk is the fast way).
	Concurrent() bool
	// Walk streams every entry in storage order.
	Walk(ctx context.Context, fn func(e Entry, r io.Reader) error) error
	Close() error
}

// Summed is implemented by packages that hash every entry with SHA-256
// while they are indexed: those read in order (a compressed tar, a tar from a
// stream), whose indexing reads every byte anyway. ok is false for an entry
// not hashed.
type Summed interface {
	SHA256(name string) (sum []byte, ok bool)
}

// CheapOpener is implemented by packages read in order (Concurrent is
// false), where Open costs a pass over the archive for most files:
// CheapOpen tells the files it does not (those kept in memory while the
// archive was indexed: XML files, by name or by their first bytes).
type CheapOpener interface {
	CheapOpen(name string) bool
}

// Limits bound what a package may contain.
type Limits struct {
	MaxEntries    int   // files in one package
	MaxEntrySize  int64 // bytes in one file
	MaxTotalSize  int64 // bytes in all files
	MaxRatio      int64 // compression ratio above which a large entry is a bomb
	RatioMinBytes int64 // entries smaller than this are not ratio-checked
	MaxNameLength int
}

// DefaultLimits suit municipal deliveries: up to a million files and 4 TiB.
var DefaultLimits = Limits{
	MaxEntries:    1_000_000,
	MaxEntrySize:  1 << 40,
	MaxTotalSize:  4 << 40,
	MaxRatio:      200,
	RatioMinBytes: 16 << 20,
	MaxNameLength: 1024,
}

// Defect kinds. They are also the rule ids reported for them.
const (
	DefectFormat    = "PKG-FORMAT"    // not a readable archive
	DefectPath      = "PKG-PATH"      // unsafe entry name
	DefectLink      = "PKG-LINK"      // symlink, hard link or special file
	DefectDuplicate = "PKG-DUPLICATE" // the same name twice
	DefectSize      = "PKG-SIZE"      // over a size or count limit
	DefectBomb      = "PKG-BOMB"      // compression ratio or overlap typical of a zip bomb
	DefectCorrupt   = "PKG-CORRUPT"   // an entry's stored data are damaged (CRC, deflate stream, length)
)

// Defect is a property of the package that makes it unacceptable.
type Defect struct {
	Kind  string
	Entry string
	Msg   string
}

func (d *Defect) Error() string {
	if d.Entry == "" {
		return d.Kind + ": " + d.Msg
	}
	return fmt.Sprintf("%s: %s: %s", d.Kind, d.Entry, d.Msg)
}

func defect(kind, entry, format string, args ...any) error {
	return &Defect{Kind: kind, Entry: entry, Msg: fmt.Sprintf(format, args...)}
}

// sourceError marks a failure to read the package's own bytes (a disk, the
// package store): an outage to retry, never the producer's fault. Readers
// that decode an archive pass such errors through, so wrapping the source
// lets a decoding error be told from damage in the bytes that were read.
type sourceError struct{ err error }

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

func isSourceError(err error) bool {
	var se *sourceError
	return errors.As(err, &se)
}

// sourceReader marks the errors of r as source errors.
type sourceReader struct{ r io.Reader }

func (s sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		err = &sourceError{err}
	}
	return n, err
}

// sourceReaderAt marks the errors of ra as source errors.
type sourceReaderAt struct{ ra io.ReaderAt }

func (s sourceReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := s.ra.ReadAt(p, off)
	if err != nil && err != io.EOF {
		err = &sourceError{err}
	}
	return n, err
}

// Open opens the package at p, choosing the reader from what p is.
func Open(p string, lim Limits) (Package, error) {
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("open package: %w", err)
	}
	if fi.IsDir() {
		return openDir(p, lim)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open package: %w", err)
	}
	pkg, err := openArchive(f, f, fi.Size(), filepath.Base(p), lim)
	if err != nil {
		_ = f.Close() // read only
		return nil, err
	}
	return pkg, nil
}

// OpenBytes opens a zip or (gzipped) tar archive held in memory, such as a
// small package fetched from a message store: no file is created for it.
// name is the archive's name, used when it has no single top-level folder.
func OpenBytes(name string, data []byte, lim Limits) (Package, error) {
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	return openArchive(bytes.NewReader(data), io.NopCloser(nil), int64(len(data)), name, lim)
}

// openArchive tells a zip from a (gzipped) tar by its first bytes; c is
// closed with the package.
func openArchive(ra io.ReaderAt, c io.Closer, size int64, name string, lim Limits) (Package, error) {
	var hdr [512]byte
	n, err := ra.ReadAt(hdr[:], 0)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read package: %w", err)
	}
	switch {
	case n >= 4 && (string(hdr[:4]) == "PK\x03\x04" || string(hdr[:4]) == "PK\x05\x06"):
		return openZip(ra, c, size, name, lim)
	case n >= 2 && hdr[0] == 0x1f && hdr[1] == 0x8b:
		return openTar(ra, c, size, true, name, lim)
	case n == len(hdr) && string(hdr[257:262]) == "ustar", strings.HasSuffix(strings.ToLower(name), ".tar"):
		return openTar(ra, c, size, false, name, lim)
	default:
		return nil, defect(DefectFormat, "", "%s is not a directory, zip or tar archive", path.Base(name))
	}
}

// CleanName checks an entry name from an archive or a METS href and returns its
// canonical form. It refuses anything that could point outside the package.
func CleanName(name string, maxLen int) (string, error) {
	if name == "" {
		return "", errors.New("empty name")
	}
	if maxLen > 0 && len(name) > maxLen {
		return "", fmt.Errorf("name longer than %d bytes", maxLen)
	}
	if strings.ContainsRune(name, '\\') {
		return "", errors.New("backslash in name")
	}
	for _, r := range name {
		if r == 0 || unicode.IsControl(r) {
			return "", errors.New("control character in name")
		}
	}
	if strings.HasPrefix(name, "/") {
		return "", errors.New("absolute path")
	}
	if len(name) >= 2 && name[1] == ':' {
		return "", errors.New("drive letter in path")
	}
	for _, seg := range strings.Split(strings.TrimSuffix(name, "/"), "/") {
		if seg == ".." {
			return "", errors.New("'..' in path")
		}
	}
	c := path.Clean(name)
	if c == "." || c == "" {
		return "", errors.New("empty name")
	}
	return c, nil
}

// index is the shared part of every package implementation: the validated entry list.
type index struct {
	name    string
	entries []Entry
	byName  map[string]int
	total   int64
	prefix  string // stripped top-level folder with its slash, or ""
}

func (x *index) add(name string, size int64, lim Limits) error {
	if _, dup := x.byName[name]; dup {
		return defect(DefectDuplicate, name, "entry appears more than once")
	}
	if len(x.entries) >= lim.MaxEntries {
		return defect(DefectSize, "", "more than %d files", lim.MaxEntries)
	}
	if size < 0 || size > lim.MaxEntrySize {
		return defect(DefectSize, name, "size %d over the limit of %d bytes", size, lim.MaxEntrySize)
	}
	x.total += size
	if x.total > lim.MaxTotalSize {
		return defect(DefectSize, "", "total size over the limit of %d bytes", lim.MaxTotalSize)
	}
	x.byName[name] = len(x.entries)
	x.entries = append(x.entries, Entry{Name: name, Size: size})
	return nil
}

// finish sorts the entries and, for archives (strip), removes a single top-level
// folder: the usual layout of an archived package, whose name is then the package name.
func (x *index) finish(fallback string, strip bool) {
	x.name = fallback
	top := ""
	if !strip || len(x.entries) == 0 {
		x.sortEntries()
		return
	}
	for _, e := range x.entries {
		i := strings.IndexByte(e.Name, '/')
		if i < 0 {
			top = ""
			break
		}
		if top == "" {
			top = e.Name[:i]
		} else if top != e.Name[:i] {
			top = ""
			break
		}
	}
	if top != "" {
		x.name = top
		x.prefix = top + "/"
		for i := range x.entries {
			x.entries[i].Name = x.entries[i].Name[len(top)+1:]
		}
	}
	x.sortEntries()
}

func (x *index) sortEntries() {
	sort.Slice(x.entries, func(i, j int) bool { return x.entries[i].Name < x.entries[j].Name })
	x.byName = make(map[string]int, len(x.entries))
	for i, e := range x.entries {
		x.byName[e.Name] = i
	}
}

func (x *index) StoredName(name string) string { return x.prefix + name }

func (x *index) lookup(name string) (Entry, bool) {
	i, ok := x.byName[name]
	if !ok {
		return Entry{}, false
	}
	return x.entries[i], true
}

func (x *index) Name() string     { return x.name }
func (x *index) Entries() []Entry { return x.entries }

// exactReader fails when the underlying reader yields more or fewer bytes than
// declared, so a lying archive header cannot smuggle extra data past the limits.
type exactReader struct {
	r    io.Reader
	left int64
	name string
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		// Read on to the underlying end: a decoder checks what it can
		// (a zip entry's CRC-32) only there.
		var one [1]byte
		n, err := e.r.Read(one[:])
		if n > 0 {
			return 0, defect(DefectBomb, e.name, "entry holds more data than its declared size")
		}
		if err != nil && err != io.EOF {
			return 0, err
		}
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF && e.left > 0 {
		return n, fmt.Errorf("%s: %w", e.name, io.ErrUnexpectedEOF)
	}
	if err == io.EOF {
		err = nil
	}
	return n, err
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

// ErrNotFound is returned by Open for a name the package does not have.
var ErrNotFound = errors.New("no such file in package")

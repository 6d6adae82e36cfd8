// Package pack writes a package folder as the tar stream earkiv submit
// sends, in the order ingest reads it by.
package pack

import (
	"path"
	"strings"
)

// Rank is a file's place in a package's tar: pack writes the folder's
// entries by rank, and in the order found within one.
//
// The order is a contract between the two sides. A worker reading a tar in
// this order knows the package's identity and every declared checksum
// before the content arrives, so ingest's eager store uploads each file as
// validation reads it instead of reading the package twice; and the
// SHA-256 that Tar computes of the files before the content travel with
// the request, so ingest can vouch for a package without its digest.
type Rank int

const (
	// Root is the package's own folder and the files at its root, the
	// root METS among them.
	Root Rank = iota
	// METS is every other METS file (E-ARK representations).
	METS
	// Content is everything else.
	Content
)

// RankOf ranks an entry by its name in the tar (the package folder's name,
// a slash, the path within it).
func RankOf(name string, isDir bool) Rank {
	switch {
	case isDir:
		if !strings.Contains(name, "/") {
			return Root
		}
		return Content
	case strings.Count(name, "/") == 1: // base/file
		return Root
	case strings.EqualFold(path.Base(name), "mets.xml"):
		return METS
	}
	return Content
}

// Metadata tells whether a file comes before the content (Root or METS):
// those are the files whose SHA-256 Tar reports.
func Metadata(name string, isDir bool) bool { return !isDir && RankOf(name, isDir) < Content }

package ingest

import (
	"github.com/earkiv/earkiv/internal/fixity"
	"github.com/earkiv/earkiv/internal/pkgfs"
	"github.com/earkiv/earkiv/internal/validate"
)

// vouched tells whether every file of pkg, as validation read it, has the
// SHA-256 that something the producer wrote says it has: the request's sums
// (pack.Tar's SHA-256 of the files pack.Metadata puts before the content,
// computed by the producer's client while it packed them) or
// a METS file that is itself vouched for (validation's SHA256By). When it
// holds, the package store's digest of the whole package adds nothing, and
// the package can be read once without it. When it does not (a file without
// a declared SHA-256, an MD5 checksum, a mismatch, a tar from elsewhere) the
// digest must be checked before any verdict, so that bytes changed in the
// package store are neither archived nor blamed on the producer.
func vouched(pkg pkgfs.Package, res *validate.Result, sums map[string]string) bool {
	if pkg == nil || res == nil || len(sums) == 0 || len(pkg.Entries()) == 0 {
		return false
	}
	var check func(rel string, depth int) bool
	check = func(rel string, depth int) bool {
		d, ok := res.Digests[rel]
		got := d.Digests[fixity.SHA256]
		if !ok || got == "" || depth > 2 { // root METS, representation METS, file
			return false
		}
		if want, ok := sums[pkg.StoredName(rel)]; ok {
			return fixity.Equal(want, got)
		}
		by, ok := res.SHA256By[rel]
		return ok && check(by, depth+1)
	}
	for _, e := range pkg.Entries() {
		if !check(e.Name, 0) {
			return false
		}
	}
	return true
}

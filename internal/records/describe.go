package records

import (
	"maps"
	"slices"

	"github.com/earkiv/earkiv/internal/pkgfs"
	"github.com/earkiv/earkiv/internal/xmlsafe"
)

// maxDescribe bounds a metadata file Describe holds in memory as a tree; a
// bigger one is still validated and stored, its cases are not catalogued.
const maxDescribe = 256 << 20

// Describe extracts the cases and documents of a package from the
// descriptive metadata files validation found (metadata: path -> the
// file's kind; FGS Ärendehantering, CITS ERMS), in path order. A file it
// cannot read adds nothing: validation has reported it already.
func Describe(pkg pkgfs.Package, metadata map[string]string) []Case {
	var out []Case
	for _, name := range slices.Sorted(maps.Keys(metadata)) {
		if !Handles(metadata[name]) {
			continue
		}
		rc, err := pkg.Open(name)
		if err != nil {
			continue
		}
		doc, err := xmlsafe.Parse(rc, xmlsafe.Limits{MaxBytes: maxDescribe, MaxDepth: xmlsafe.DefaultLimits.MaxDepth})
		_ = rc.Close() // read only
		if err != nil {
			continue
		}
		if cases, ok := Extract(doc.Root()); ok {
			out = append(out, cases...)
		}
	}
	return out
}

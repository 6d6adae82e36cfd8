package validate

import (
	"github.com/earkiv/earkiv/internal/pkgfs"
	"github.com/earkiv/earkiv/internal/xmlsafe"
)

// What validation holds in memory, for MemoryNeed. docs/limits.md has the
// measurements behind them.
const (
	// modelPerByte is the heap per byte of METS content (comments left
	// out): the bytes read plus the element tree with its line numbers.
	modelPerByte = 4
	// perEntry is the heap per package file: its index entry, the digests
	// computed for it and their place in the report.
	perEntry = 6 << 10
	// baseNeed covers the rest: hashing buffers, one schema validation at
	// a time (it streams), the report's findings.
	baseNeed = 32 << 20
)

// MemoryNeed estimates the most heap validating the opened package pkg may
// take, from what its index says: the sizes of its METS files and the
// number of its files. A worker pool that admits validations only while
// the sum of their needs fits its memory budget cannot be taken down by
// big packages running at once; the estimate is bounded (MaxMemoryNeed)
// because the limits refuse anything bigger.
func (v *Validator) MemoryNeed(pkg pkgfs.Package) int64 {
	lim := v.xmlLimits()
	var mets int64
	for _, e := range pkg.Entries() {
		if e.Name == "METS.xml" || e.Name == "mets.xml" || e.Name == "sip.xml" || IsRepresentationMETS(e.Name) {
			// METS files are parsed one at a time: the biggest counts.
			mets = max(mets, min(e.Size, lim.MaxBytes))
		}
	}
	return baseNeed + modelPerByte*mets + perEntry*int64(len(pkg.Entries()))
}

// MaxMemoryNeed is the most MemoryNeed returns under the validator's limits.
func (v *Validator) MaxMemoryNeed() int64 {
	lim := v.xmlLimits()
	plim := v.opts.Limits
	if plim == (pkgfs.Limits{}) {
		plim = pkgfs.DefaultLimits
	}
	return baseNeed + modelPerByte*lim.MaxBytes + perEntry*int64(plim.MaxEntries)
}

func (v *Validator) xmlLimits() xmlsafe.Limits {
	if v.opts.XMLLimits == (xmlsafe.Limits{}) {
		return xmlsafe.DefaultLimits
	}
	return v.opts.XMLLimits
}

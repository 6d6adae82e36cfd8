// Package validate checks a delivery package offline, exactly as an ingest worker
// does: package safety, root METS (well-formedness, XSD, profile rules),
// representation METS, every listed file (presence, size, checksum) and every XML
// metadata file against its schema. The result is one report with a rule id per
// finding, plus the normalised package model and the digests computed on the way.
package validate

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/earkiv/earkiv/internal/fgs"
	"github.com/earkiv/earkiv/internal/fixity"
	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/pkgfs"
	"github.com/earkiv/earkiv/internal/report"
	"github.com/earkiv/earkiv/internal/rules"
	"github.com/earkiv/earkiv/internal/xmlsafe"
	"github.com/earkiv/earkiv/internal/xsd"
)

// Options tune a Validator.
type Options struct {
	Workers   int // files hashed in parallel; 0 means one per CPU
	Limits    pkgfs.Limits
	XMLLimits xmlsafe.Limits
	XSDLimits xsd.Limits
	Now       func() time.Time
}

// Validator is safe for concurrent use; its compiled schemas are shared.
type Validator struct {
	cat   *xsd.Catalog
	vocab rules.Vocab
	table []rules.Rule
	opts  Options
}

// New builds a validator over a schema tree (see package schemas).
func New(schemaFS fs.FS, opts Options) (*Validator, error) {
	vocab, err := rules.LoadVocab(schemaFS)
	if err != nil {
		return nil, err
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.NumCPU()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Validator{cat: xsd.New(schemaFS, opts.XSDLimits), vocab: vocab, table: rules.Table(), opts: opts}, nil
}

// Catalog exposes the shared schema catalog (for other validations of XML).
func (v *Validator) Catalog() *xsd.Catalog { return v.cat }

// Result is everything validation learned about a package.
type Result struct {
	Report  *report.Report
	Package *fgs.Package // nil when no root METS could be read
	METS    string       // root METS path in the package
	Digests map[string]fixity.Result
	// Metadata is the root namespace of every metadata file (PREMIS, CITS
	// ERMS, FGS Ärendehantering) the package holds, by path, so ingest reads
	// cases from those files only instead of parsing every XML file again.
	Metadata map[string]string
	// SHA256By names, for each file whose SHA-256 a METS declares and that
	// has that SHA-256 as read, the METS that declares it (package paths).
	// Ingest follows these declarations to the producer's own sums to vouch
	// for a package's bytes without the package store's digest.
	SHA256By map[string]string
}

// ValidatePath opens and validates the package at p. The error is for failures to
// run (unreadable input, cancelled); an unacceptable package is an invalid report.
func (v *Validator) ValidatePath(ctx context.Context, p string) (*Result, error) {
	res, pkg, err := v.ValidateOpen(ctx, p, func() (pkgfs.Package, error) { return pkgfs.Open(p, v.opts.Limits) })
	if pkg != nil {
		_ = pkg.Close() // read only
	}
	return res, err
}

// ValidateOpen validates the package open returns and hands the package back
// (nil if it could not be opened) for the caller to keep using and close: an
// ingest worker stores the very package it validated. A package that cannot
// be opened safely (bad paths, links, bombs) is an invalid report.
func (v *Validator) ValidateOpen(ctx context.Context, label string, open func() (pkgfs.Package, error)) (*Result, pkgfs.Package, error) {
	start := time.Now()
	rep := &report.Report{Package: label, Started: start.UTC()}
	pkg, err := open()
	if err != nil {
		if d, ok := asDefect(err); ok {
			addDefect(rep, d)
			rep.Duration = time.Since(start).Round(time.Millisecond).String()
			rep.Finish()
			return &Result{Report: rep}, nil, nil
		}
		return nil, nil, err
	}
	res, err := v.Validate(ctx, pkg, rep)
	if err != nil {
		_ = pkg.Close() // read only
		return nil, nil, err
	}
	rep.Duration = time.Since(start).Round(time.Millisecond).String()
	return res, pkg, nil
}

// RootNames are the root METS names each family uses, in order of preference.
var RootNames = []string{"METS.xml", "mets.xml", "sip.xml"}

// Validate checks an opened package and completes rep.
func (v *Validator) Validate(ctx context.Context, pkg pkgfs.Package, rep *report.Report) (*Result, error) {
	res := &Result{Report: rep, Digests: map[string]fixity.Result{}, SHA256By: map[string]string{}}
	defer rep.Finish()
	rep.Name = pkg.Name()
	entries := map[string]bool{}
	dirs := map[string]bool{}
	for _, e := range pkg.Entries() {
		entries[e.Name] = true
		rep.Files++
		rep.Bytes += e.Size
		for d := path.Dir(e.Name); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for _, n := range RootNames {
		if entries[n] {
			res.METS = n
			break
		}
	}
	if res.METS == "" {
		rep.Add("CSIPSTR4", report.MUST, report.Location{}, "no root METS file: the package root must hold METS.xml (E-ARK) or mets.xml/sip.xml (FGS 1.x)")
		return res, nil
	}
	doc, err := v.parseXML(pkg, res.METS)
	if err != nil {
		return nil, err
	}
	if doc.Doc == nil {
		addXMLError(rep, res.METS, doc.err)
		return res, nil
	}
	root := doc.Doc.Root()
	if !fgs.IsMETS(root, "mets") {
		rep.Add("CSIPSTR4", report.MUST, report.Location{File: res.METS, Line: 1}, "%s is not a METS document (root element %s)", res.METS, root.FullTag())
		return res, nil
	}
	p := fgs.Parse(root, doc.Doc.Line)
	res.Package = p
	rep.ObjID, rep.Family, rep.Profile = p.ObjID, string(p.Family), p.Profile
	if p.ObjID != "" {
		// The package id becomes a receipt key and is shown to people:
		// bounded and printable (see ids.Package).
		if err := ids.Package(p.ObjID); err != nil {
			rep.ObjID = ids.Quote(p.ObjID)
			rep.Add("PKG-ID", report.MUST, report.Location{File: res.METS, Line: doc.Doc.Line(root)}, "mets/@OBJID: %s", strings.TrimPrefix(err.Error(), ids.ErrInvalid.Error()+": "))
		}
	}
	if p.Family == fgs.FamilyEARK && res.METS != "METS.xml" {
		rep.Add("CSIPSTR4", report.MUST, report.Location{File: res.METS}, "an E-ARK package's root METS must be named METS.xml, not %s", res.METS)
	}
	if !p.Known {
		rep.Add("PKG-PROFILE", report.MUST, report.Location{File: res.METS, Line: doc.Doc.Line(root)}, "mets/@PROFILE %q names no profile earkiv accepts (FGS 1.x CommonSpecificationSwedenPackageProfile, E-ARK CSIP/SIP 2.x); checked as %s", p.Profile, p.Family)
	}
	if err := v.xsdCheck(ctx, pkg, rep, res.METS, metsSet(p), "XSD-METS"); err != nil {
		return nil, err
	}
	now := v.opts.Now().UTC().Format(time.RFC3339)
	rctx := &rules.Ctx{Root: root, Pkg: p, Name: pkg.Name(), Entries: entries, Dirs: dirs, Vocab: v.vocab, Now: now}
	rules.Run(rctx, v.table, res.METS, doc.Doc.Line, rep)

	// Files of the root METS, then of each representation METS (E-ARK).
	listed := []listedFile{}
	for _, f := range p.Files {
		listed = append(listed, listedFile{File: f, mets: res.METS, family: p.Family})
	}
	metsDocs := map[string]bool{res.METS: true}
	if p.Family == fgs.FamilyEARK {
		reps, err := v.representations(ctx, pkg, rep, p, entries, dirs, now)
		if err != nil {
			return nil, err
		}
		for _, r := range reps {
			metsDocs[r.mets] = true
			listed = append(listed, r.files...)
		}
	}
	if err := v.checkFiles(ctx, pkg, rep, res, listed, metsDocs, p.Family); err != nil {
		return nil, err
	}
	return res, nil
}

func metsSet(p *fgs.Package) xsd.Set {
	if p.Family == fgs.FamilyFGS1 {
		if p.Version == "1.1" {
			return xsd.FGS11
		}
		return xsd.FGS12
	}
	return xsd.EARK
}

type parsed struct {
	Doc *xmlsafe.Doc
	err error
}

// asDefect tells damage in the package (a finding) from a failure to read
// it (an error): pkgfs reports the first as a *pkgfs.Defect.
func asDefect(err error) (*pkgfs.Defect, bool) {
	var d *pkgfs.Defect
	return d, errors.As(err, &d)
}

func addDefect(rep *report.Report, d *pkgfs.Defect) {
	rep.Add(d.Kind, report.MUST, report.Location{File: d.Entry}, "%s", d.Msg)
}

// parseXML reads one package file through the safe parser; a document
// defect, or damage in the archive, is returned inside parsed, an I/O
// failure as the error.
func (v *Validator) parseXML(pkg pkgfs.Package, name string) (*parsed, error) {
	rc, err := pkg.Open(name)
	if err != nil {
		if _, ok := asDefect(err); ok {
			return &parsed{err: err}, nil
		}
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer rc.Close()
	doc, err := xmlsafe.Parse(rc, v.opts.XMLLimits)
	if err != nil {
		var xe *xmlsafe.Error
		if errors.As(err, &xe) {
			return &parsed{err: xe}, nil
		}
		if _, ok := asDefect(err); ok {
			return &parsed{err: err}, nil
		}
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return &parsed{Doc: doc}, nil
}

func addXMLError(rep *report.Report, file string, err error) {
	var xe *xmlsafe.Error
	if errors.As(err, &xe) {
		rep.Add(xe.Kind, report.MUST, report.Location{File: file, Line: xe.Line}, "%s", xe.Msg)
		return
	}
	if d, ok := asDefect(err); ok {
		addDefect(rep, d)
		return
	}
	rep.Add(xmlsafe.KindMalformed, report.MUST, report.Location{File: file}, "%v", err)
}

// xsdCheck validates one package file against a schema set and records violations.
func (v *Validator) xsdCheck(ctx context.Context, pkg pkgfs.Package, rep *report.Report, name string, set xsd.Set, rule string) error {
	issues, err := v.validateXSD(ctx, pkg, name, set)
	if d, ok := asDefect(err); ok {
		addDefect(rep, d)
		return nil
	}
	if err != nil {
		return err
	}
	for _, is := range issues {
		rep.Add(rule, report.MUST, report.Location{File: name, Line: is.Line, Path: is.Path}, "schema %s: %s", set, is.Message)
	}
	return nil
}

// validateXSD checks one package file against set. A read error ends the
// check whatever the schema validator makes of it: damage in the archive
// comes back as a *pkgfs.Defect, any other read error as the error.
func (v *Validator) validateXSD(ctx context.Context, pkg pkgfs.Package, name string, set xsd.Set) ([]xsd.Issue, error) {
	rc, err := pkg.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer rc.Close()
	r := &errReader{r: rc}
	dec, _, err := xmlsafe.Decode(r)
	if err != nil {
		if r.err != nil {
			return nil, fmt.Errorf("read %s: %w", name, r.err)
		}
		var xe *xmlsafe.Error
		errors.As(err, &xe)
		return []xsd.Issue{{Line: xe.Line, Code: xe.Kind, Message: xe.Msg}}, nil
	}
	issues, err := v.cat.Validate(ctx, set, dec)
	if r.err != nil {
		return nil, fmt.Errorf("read %s: %w", name, r.err)
	}
	if err != nil {
		return nil, fmt.Errorf("xsd %s: %w", name, err)
	}
	return issues, nil
}

// errReader keeps the first error of r other than io.EOF.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

type repMETS struct {
	mets  string
	files []listedFile
}

// IsRepresentationMETS tells an E-ARK representation METS
// (representations/<name>/METS.xml) by its package path.
func IsRepresentationMETS(name string) bool {
	parts := strings.Split(name, "/")
	return len(parts) == 3 && parts[0] == "representations" && parts[2] == "METS.xml"
}

// representations validates each representations/<name>/METS.xml of an E-ARK package.
func (v *Validator) representations(ctx context.Context, pkg pkgfs.Package, rep *report.Report, root *fgs.Package, entries, dirs map[string]bool, now string) ([]repMETS, error) {
	var out []repMETS
	var names []string
	for e := range entries {
		if IsRepresentationMETS(e) {
			names = append(names, e)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		folder := path.Dir(name)
		doc, err := v.parseXML(pkg, name)
		if err != nil {
			return nil, err
		}
		if doc.Doc == nil {
			addXMLError(rep, name, doc.err)
			continue
		}
		r := doc.Doc.Root()
		if !fgs.IsMETS(r, "mets") {
			continue
		}
		if err := v.xsdCheck(ctx, pkg, rep, name, xsd.EARK, "XSD-METS"); err != nil {
			return nil, err
		}
		p := fgs.Parse(r, doc.Doc.Line)
		p.Family, p.SIP = fgs.FamilyEARK, root.SIP
		sub := map[string]bool{}
		subDirs := map[string]bool{}
		for e := range entries {
			if strings.HasPrefix(e, folder+"/") {
				sub[strings.TrimPrefix(e, folder+"/")] = true
			}
		}
		for d := range dirs {
			if strings.HasPrefix(d, folder+"/") {
				subDirs[strings.TrimPrefix(d, folder+"/")] = true
			}
		}
		rctx := &rules.Ctx{Root: r, Pkg: p, Name: path.Base(folder), Entries: sub, Dirs: subDirs, IsRep: true, Vocab: v.vocab, Now: now}
		rules.Run(rctx, v.table, name, doc.Doc.Line, rep)
		rm := repMETS{mets: name}
		for _, f := range p.Files {
			if f.Path != "" {
				f.Path = folder + "/" + f.Path
			}
			rm.files = append(rm.files, listedFile{File: f, mets: name, family: fgs.FamilyEARK})
		}
		out = append(out, rm)
	}
	return out, nil
}

type listedFile struct {
	fgs.File
	mets   string
	family fgs.Family
}

// fileRules names the rule each file check reports under: the CSIP requirement for
// the METS section the file is listed in, or earkiv's FGS 1.x ids.
type fileRules struct{ missing, size, checksum, ctype string }

func rulesFor(f listedFile) fileRules {
	if f.family == fgs.FamilyFGS1 {
		return fileRules{"FGS1-FILE-MISSING", "FGS1-FILE-SIZE", "FGS1-FILE-CHECKSUM", "FGS1-FILE-CHECKSUMTYPE"}
	}
	switch f.Use {
	case "dmdSec":
		return fileRules{"CSIP24", "CSIP27", "CSIP29", "CSIP30"}
	case "digiprovMD", "techMD", "sourceMD":
		return fileRules{"CSIP38", "CSIP41", "CSIP43", "CSIP44"}
	case "rightsMD":
		return fileRules{"CSIP51", "CSIP54", "CSIP56", "CSIP57"}
	}
	return fileRules{"CSIP79", "CSIP69", "CSIP71", "CSIP72"}
}

// exemptUnlisted are files a package may hold without listing them: its METS
// documents, and for FGS 1.x the PREMIS event log ESSArch writes beside the METS.
func exemptUnlisted(name string, family fgs.Family, metsDocs map[string]bool) bool {
	return metsDocs[name] || (family == fgs.FamilyFGS1 && name == "ipevents.xml")
}

// checkFiles checks every listed file against the package, hashes every file once,
// and validates XML metadata files against their schemas.
func (v *Validator) checkFiles(ctx context.Context, pkg pkgfs.Package, rep *report.Report, res *Result, listed []listedFile, metsDocs map[string]bool, family fgs.Family) error {
	need := map[string]map[fixity.Algorithm]bool{}
	byPath := map[string][]listedFile{}
	for _, e := range pkg.Entries() {
		need[e.Name] = map[fixity.Algorithm]bool{fixity.SHA256: true}
	}
	type listing struct{ mets, path string }
	firstAt := map[listing]int{} // line of the first <file> listing a path
	for _, f := range listed {
		fr := rulesFor(f)
		loc := report.Location{File: f.mets, Line: f.Line, Path: f.Href}
		if f.BadSize != "" {
			rep.Add(fr.size, report.MUST, loc, "SIZE %q is not a byte count (a whole number of bytes, 0 or more)", f.BadSize)
		}
		if f.Path != "" && !f.Metadata {
			k := listing{f.mets, f.Path}
			if line, dup := firstAt[k]; dup {
				rep.Add("FILE-DUPLICATE", report.MUST, report.Location{File: f.mets, Line: f.Line, Path: f.Path}, "%s is listed by two file elements (lines %d and %d): each file must be listed once", f.Path, line, f.Line)
			} else {
				firstAt[k] = f.Line
			}
		}
		if f.Path == "" {
			if f.Href != "" {
				rep.Add("PKG-HREF", report.MUST, loc, "unsafe or non-local file reference %q: %s", f.Href, f.HrefProblem)
			}
			continue
		}
		if _, ok := need[f.Path]; !ok {
			rep.Add(fr.missing, report.MUST, report.Location{File: f.mets, Line: f.Line, Path: f.Path}, "listed file %s is not in the package", f.Path)
			continue
		}
		byPath[f.Path] = append(byPath[f.Path], f)
		if f.ChecksumType != "" {
			if alg, ok := fixity.Parse(f.ChecksumType); ok {
				need[f.Path][alg] = true
			} else {
				rep.Add(fr.ctype, report.MUST, loc, "checksum type %q is not supported (MD5, SHA-1, SHA-256, SHA-384, SHA-512)", f.ChecksumType)
			}
		}
	}
	for _, e := range pkg.Entries() {
		if len(byPath[e.Name]) == 0 && !exemptUnlisted(e.Name, family, metsDocs) {
			// FGS 1.x tools leave schema copies and logs unlisted, which
			// may stay; a content file would be archived with no checksum
			// from the producer.
			lvl := report.MUST
			if family == fgs.FamilyFGS1 && !strings.HasPrefix(e.Name, "content/") {
				lvl = report.SHOULD
			}
			rep.Add("FILE-UNLISTED", lvl, report.Location{Path: e.Name}, "file %s is in the package but not listed in any METS", e.Name)
		}
	}

	digests, damaged, err := v.hashAll(ctx, pkg, need)
	if err != nil {
		return err
	}
	for _, d := range damaged {
		addDefect(rep, d)
	}
	res.Digests = digests
	for p, fs := range byPath {
		got, ok := digests[p]
		if !ok {
			continue // damaged: reported above
		}
		for _, f := range fs {
			fr := rulesFor(f)
			loc := report.Location{File: f.mets, Line: f.Line, Path: f.Path}
			if f.HasSize && f.Size != got.Size {
				rep.Add(fr.size, report.MUST, loc, "size of %s is %d bytes, METS says %d", f.Path, got.Size, f.Size)
			}
			if alg, ok := fixity.Parse(f.ChecksumType); ok && f.Checksum != "" {
				switch {
				case len(strings.TrimSpace(f.Checksum)) != alg.HexLen():
					rep.Add(fr.checksum, report.MUST, loc, "checksum %q of %s is not a %s digest", f.Checksum, f.Path, alg)
				case !fixity.Equal(f.Checksum, got.Digests[alg]):
					rep.Add(fr.checksum, report.MUST, loc, "%s of %s is %s, METS says %s", alg, f.Path, got.Digests[alg], f.Checksum)
				case alg == fixity.SHA256 && res.SHA256By[p] == "":
					res.SHA256By[p] = f.mets
				}
			}
		}
	}
	for _, name := range sortedKeys(digests) {
		rep.Checksums = append(rep.Checksums, report.Checksum{File: name, Size: digests[name].Size, Digest: algMap(digests[name].Digests)})
	}
	return v.metadataXSD(ctx, pkg, res, byPath, metsDocs)
}

func algMap(m map[fixity.Algorithm]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[string(k)] = v
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// hashAll computes, for every entry, the digests it needs, reading each file once.
// A package that hashed its entries with SHA-256 while it was indexed (one
// read in order) is read again only for other algorithms, and only for the
// files that need them.
func (v *Validator) hashAll(ctx context.Context, pkg pkgfs.Package, need map[string]map[fixity.Algorithm]bool) (map[string]fixity.Result, []*pkgfs.Defect, error) {
	s, ok := pkg.(pkgfs.Summed)
	if !ok {
		return v.hashRead(ctx, pkg, need)
	}
	known := map[string]fixity.Result{}
	rest := map[string]map[fixity.Algorithm]bool{}
	for _, e := range pkg.Entries() {
		algs, listed := need[e.Name]
		if !listed {
			continue
		}
		sum, ok := s.SHA256(e.Name)
		if !ok || !algs[fixity.SHA256] {
			rest[e.Name] = algs
			continue
		}
		known[e.Name] = fixity.Result{Size: e.Size, Digests: map[fixity.Algorithm]string{fixity.SHA256: hex.EncodeToString(sum)}}
		if len(algs) > 1 {
			others := maps.Clone(algs)
			delete(others, fixity.SHA256)
			rest[e.Name] = others
		}
	}
	out := map[string]fixity.Result{}
	var damaged []*pkgfs.Defect
	if len(rest) > 0 {
		var err error
		if out, damaged, err = v.hashRead(ctx, pkg, rest); err != nil {
			return nil, nil, err
		}
	}
	for name, k := range known {
		if r, ok := out[name]; ok {
			r.Digests[fixity.SHA256] = k.Digests[fixity.SHA256]
			continue
		}
		out[name] = k
	}
	return out, damaged, nil
}

// hashRead reads the files named in need and computes their digests. A file
// whose stored data are damaged has no digest; its defect is returned.
func (v *Validator) hashRead(ctx context.Context, pkg pkgfs.Package, need map[string]map[fixity.Algorithm]bool) (map[string]fixity.Result, []*pkgfs.Defect, error) {
	algsFor := func(name string) []fixity.Algorithm {
		var a []fixity.Algorithm
		for alg := range need[name] {
			a = append(a, alg)
		}
		return a
	}
	out := make(map[string]fixity.Result, len(need))
	var damaged []*pkgfs.Defect
	var mu sync.Mutex
	if !pkg.Concurrent() {
		err := pkg.Walk(ctx, func(e pkgfs.Entry, r io.Reader) error {
			if _, ok := need[e.Name]; !ok {
				return nil // not asked for
			}
			res, err := fixity.Sum(ctx, r, algsFor(e.Name)...)
			if d, ok := asDefect(err); ok {
				damaged = append(damaged, d)
				return nil
			}
			if err != nil {
				return fmt.Errorf("hash %s: %w", e.Name, err)
			}
			out[e.Name] = res
			return nil
		})
		return out, damaged, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan pkgfs.Entry)
	errc := make(chan error, v.opts.Workers)
	var wg sync.WaitGroup
	for i := 0; i < v.opts.Workers; i++ {
		wg.Go(func() {
			for e := range jobs {
				rc, err := pkg.Open(e.Name)
				var res fixity.Result
				if err == nil {
					res, err = fixity.Sum(ctx, rc, algsFor(e.Name)...)
					rc.Close()
				}
				if d, ok := asDefect(err); ok {
					mu.Lock()
					damaged = append(damaged, d)
					mu.Unlock()
					continue
				}
				if err != nil {
					errc <- fmt.Errorf("hash %s: %w", e.Name, err)
					cancel()
					return
				}
				mu.Lock()
				out[e.Name] = res
				mu.Unlock()
			}
		})
	}
	// Largest first, so one big file does not end up alone at the tail.
	var entries []pkgfs.Entry
	for _, e := range pkg.Entries() {
		if _, ok := need[e.Name]; ok {
			entries = append(entries, e)
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Size > entries[j].Size })
feed:
	for _, e := range entries {
		select {
		case jobs <- e:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errc:
		return nil, nil, err
	default:
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return out, damaged, nil
}

// metadataSets maps the root namespace of an XML file to the schema sets that may
// validate it; the first that accepts the document wins (CITS ERMS 2.1.2 and 3.0
// share a namespace).
var metadataSets = map[string][]xsd.Set{
	fgs.NSPREMIS: {xsd.PREMIS3},
	fgs.NSERMS:   {xsd.ERMS212, xsd.ERMS30},
	fgs.NSFGSERM: {xsd.FGSERMS},
}

var metadataRule = map[string]string{
	fgs.NSPREMIS: "XSD-PREMIS",
	fgs.NSERMS:   "XSD-ERMS",
	fgs.NSFGSERM: "XSD-FGS-ERMS",
}

// metadataNS maps a METS MDTYPE (or OTHERMDTYPE) to the namespace of the
// schema its file must pass, for the types earkiv has schemas for.
func metadataNS(mdtype string) string {
	t := strings.ToUpper(strings.TrimSpace(mdtype))
	switch {
	case strings.HasPrefix(t, "PREMIS"):
		return fgs.NSPREMIS
	case t == "CITS ERMS" || t == "ERMS" || t == "CITS-ERMS":
		return fgs.NSERMS
	}
	return ""
}

// xmlMDType tells the MDTYPEs whose files are XML by definition (all of
// METS's list but MARC, which may be binary, and OTHER).
func xmlMDType(mdtype string) bool {
	switch strings.ToUpper(strings.TrimSpace(mdtype)) {
	case "", "OTHER", "MARC":
		return false
	}
	return true
}

// metadataXSD finds the package's metadata files and validates each whole
// against its schema. A file is metadata when a METS declares it so (an
// mdRef: by its section, MDTYPE or OTHERMDTYPE) or when its root element is
// in a namespace with an official schema (PREMIS, CITS ERMS, FGS
// Ärendehantering), whatever its name, encoding (UTF-8, UTF-16, ISO-8859-1)
// or the length of what comes before its root. A declared metadata file
// that cannot be read as XML is a finding; so is a DTD in any metadata file.
func (v *Validator) metadataXSD(ctx context.Context, pkg pkgfs.Package, res *Result, byPath map[string][]listedFile, metsDocs map[string]bool) error {
	rep := res.Report
	cheap, _ := pkg.(pkgfs.CheapOpener)
	for _, e := range pkg.Entries() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if metsDocs[e.Name] {
			continue
		}
		if _, hashed := res.Digests[e.Name]; !hashed {
			continue // damaged: its defect is reported
		}
		var decl *listedFile
		for i, f := range byPath[e.Name] {
			if f.Metadata {
				decl = &byPath[e.Name][i]
				break
			}
		}
		isXMLName := strings.EqualFold(path.Ext(e.Name), ".xml")
		if decl == nil && !isXMLName && !pkg.Concurrent() && (cheap == nil || !cheap.CheapOpen(e.Name)) {
			continue // opening it would cost a pass over the archive (see docs/limits.md)
		}
		loc := report.Location{File: e.Name}
		if decl != nil {
			loc = report.Location{File: decl.mets, Line: decl.Line, Path: e.Name}
		}
		pro, isXML, err := v.sniff(pkg, e.Name)
		if d, ok := asDefect(err); ok {
			addDefect(rep, d)
			continue
		}
		var xe *xmlsafe.Error
		if errors.As(err, &xe) {
			if decl != nil {
				rep.Add(xe.Kind, report.MUST, report.Location{File: e.Name, Line: xe.Line}, "%s metadata file %s (listed in %s line %d): %s", mdLabel(decl.MDType), e.Name, decl.mets, decl.Line, xe.Msg)
			}
			continue
		}
		if err != nil {
			return err
		}
		declNS := ""
		if decl != nil {
			declNS = metadataNS(decl.MDType)
		}
		if !isXML {
			if decl != nil && (declNS != "" || xmlMDType(decl.MDType)) {
				rep.Add(xmlsafe.KindMalformed, report.MUST, loc, "%s declares %s as %s metadata, but it is not XML", decl.mets, e.Name, mdLabel(decl.MDType))
			}
			continue
		}
		ns := declNS
		if ns == "" {
			ns = pro.Space
		}
		sets := metadataSets[ns]
		if len(sets) == 0 && decl == nil {
			continue // an XML content file
		}
		if _, known := metadataSets[pro.Space]; known {
			if res.Metadata == nil {
				res.Metadata = map[string]string{}
			}
			res.Metadata[e.Name] = pro.Space
		}
		if pro.DTD > 0 {
			rep.Add(xmlsafe.KindDTD, report.MUST, report.Location{File: e.Name, Line: pro.DTD}, "metadata file %s has a DOCTYPE: DTDs and entity declarations are not allowed (entity expansion and external entity attacks)", e.Name)
			continue
		}
		if len(sets) == 0 {
			// Declared metadata without an official schema: well-formed is all it must be.
			if err := v.wellFormed(pkg, e.Name); err != nil {
				if d, ok := asDefect(err); ok {
					addDefect(rep, d)
				} else if errors.As(err, &xe) {
					rep.Add(xe.Kind, report.MUST, report.Location{File: e.Name, Line: xe.Line}, "%s metadata file %s: %s", mdLabel(decl.MDType), e.Name, xe.Msg)
				} else {
					return err
				}
			}
			continue
		}
		var first []xsd.Issue
		ok := false
		for i, set := range sets {
			issues, err := v.validateXSD(ctx, pkg, e.Name, set)
			if d, isDefect := asDefect(err); isDefect {
				addDefect(rep, d)
				ok = true // reported
				break
			}
			if err != nil {
				return err
			}
			if len(issues) == 0 {
				ok = true
				break
			}
			if i == 0 {
				first = issues
			}
		}
		if ok {
			continue
		}
		for _, is := range first {
			rep.Add(metadataRule[ns], report.MUST, report.Location{File: e.Name, Line: is.Line, Path: is.Path}, "schema %s: %s", sets[0], is.Message)
		}
	}
	return nil
}

func mdLabel(mdtype string) string {
	if mdtype == "" {
		return "a"
	}
	return mdtype
}

// sniff reads a package file up to its root start tag.
func (v *Validator) sniff(pkg pkgfs.Package, name string) (xmlsafe.Prolog, bool, error) {
	rc, err := pkg.Open(name)
	if err != nil {
		return xmlsafe.Prolog{}, false, fmt.Errorf("open %s: %w", name, err)
	}
	defer rc.Close()
	return xmlsafe.Sniff(rc)
}

// wellFormed checks a whole package file for well-formedness, streaming.
func (v *Validator) wellFormed(pkg pkgfs.Package, name string) error {
	rc, err := pkg.Open(name)
	if err != nil {
		return fmt.Errorf("open %s: %w", name, err)
	}
	defer rc.Close()
	return xmlsafe.WellFormed(rc, v.opts.XMLLimits)
}

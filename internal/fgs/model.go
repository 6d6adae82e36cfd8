// Package fgs reads the root METS document of a delivery package, tells which family
// it belongs to, and normalises both families into one model:
//
//   - FGS Paketstruktur 1.x (Riksarkivet, METS 1.11 restricted by CSPackageMETS.xsd plus
//     ExtensionMETS attributes), as made by ESSArch and Swedish case systems;
//   - FGS 2.0, which is E-ARK CSIP/SIP 2.x (METS 1.12 with csip:/sip: attributes).
//
// The rest of earkiv (rules, ingest, catalog) works on Package and never needs to
// know which family a delivery came in.
package fgs

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/earkiv/earkiv/internal/pkgfs"
)

// Family is a package format family.
type Family string

const (
	FamilyFGS1 Family = "fgs1" // FGS Paketstruktur 1.x
	FamilyEARK Family = "eark" // E-ARK CSIP/SIP 2.x = FGS Paketstruktur 2.0
)

// Well-known profile URLs.
const (
	ProfileCSIP = "https://earkcsip.dilcis.eu/profile/E-ARK-CSIP.xml"
	ProfileSIP  = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
	ProfileFGS1 = "http://xml.ra.se/e-arkiv/METS/CommonSpecificationSwedenPackageProfile.xml"
	// ProfileFGS11 is the versioned 1.1 profile URL ESSArch writes.
	ProfileFGS11 = "http://xml.ra.se/e-arkiv/METS/version11/CommonSpecificationSwedenPackageProfile.xml"
)

// Detection is what the root element says about the package's format.
type Detection struct {
	Family  Family
	Version string // "1.1", "1.2" for FGS1; "2" for E-ARK
	SIP     bool   // E-ARK: the SIP profile applies (not only CSIP)
	Known   bool   // PROFILE named a profile earkiv knows
}

// Detect tells the family from mets/@PROFILE. A missing or unknown profile is a
// finding for the rules; Detect then guesses from the namespaces in use so that the
// rest of the package can still be checked.
func Detect(root *etree.Element) Detection {
	p := strings.TrimSpace(A(root, "PROFILE"))
	lp := strings.ToLower(p)
	switch {
	case strings.Contains(lp, "earksip") || strings.Contains(lp, "e-ark-sip"):
		return Detection{Family: FamilyEARK, Version: "2", SIP: true, Known: true}
	case strings.Contains(lp, "earkcsip") || strings.Contains(lp, "e-ark-csip"):
		return Detection{Family: FamilyEARK, Version: "2", SIP: false, Known: true}
	case strings.Contains(lp, "commonspecificationswedenpackageprofile") || strings.Contains(lp, "xml.ra.se/e-arkiv/mets"):
		v := "1.2"
		if strings.Contains(lp, "version11") {
			v = "1.1"
		}
		return Detection{Family: FamilyFGS1, Version: v, Known: true}
	}
	uses := func(ns string) bool {
		for _, e := range append([]*etree.Element{root}, root.ChildElements()...) {
			for _, a := range e.Attr {
				if a.Value == ns && (a.Space == "xmlns") {
					return true
				}
			}
		}
		return false
	}
	if uses(NSExt) && !uses(NSCSIP) {
		return Detection{Family: FamilyFGS1, Version: "1.2"}
	}
	// An E-ARK document without a usable profile is still a submission: hold it to
	// the SIP profile, which is what earkiv accepts.
	return Detection{Family: FamilyEARK, Version: "2", SIP: true}
}

// Agent is a metsHdr/agent.
type Agent struct {
	Role, OtherRole, Type, OtherType string
	Name                             string
	Notes                            []Note
	OrgID                            string // organisation number / identification code, when given
}

// Note is an agent note with its type (csip:NOTETYPE), if any.
type Note struct{ Type, Text string }

// File is a file the METS lists (fileSec file, or a metadata mdRef).
type File struct {
	ID           string
	Use          string // fileGrp/@USE, or the metadata section (dmdSec, digiprovMD, rightsMD, ...)
	Href         string // as written
	Path         string // package-relative path, "" when the href is unsafe or not local
	HrefProblem  string // why Path is empty
	Size         int64
	HasSize      bool
	BadSize      string // a SIZE that is not a byte count, as written
	MIME         string
	Checksum     string
	ChecksumType string
	Created      string
	MDType       string // for metadata files: MDTYPE / OTHERMDTYPE
	Metadata     bool
	Line         int
}

// Representation is one representation of an E-ARK package.
type Representation struct {
	ID, Label string
	METSHref  string // mptr href to the representation METS, if any
	METSPath  string
}

// AltRecordID is a metsHdr/altRecordID.
type AltRecordID struct{ Type, Value string }

// Package is the normalised view of a delivery package's root METS.
type Package struct {
	Detection
	Profile      string
	ObjID        string
	Label        string
	Type         string // content category (mets/@TYPE)
	ContentType  string // csip:CONTENTINFORMATIONTYPE or ext:CONTENTTYPESPECIFICATION
	CreateDate   string
	LastModDate  string
	OAISType     string // SIP/AIP/... (csip:OAISPACKAGETYPE or ext:OAISSTATUS)
	RecordStatus string
	Agents       []Agent
	AltRecordIDs []AltRecordID
	Files        []File
	Reps         []Representation
	Ext          map[string]string // FGS 1.x ext: attributes on mets and metsHdr
}

// Agent roles that matter to an archive.
func (p *Package) agent(match func(Agent) bool) *Agent {
	for i := range p.Agents {
		if match(p.Agents[i]) {
			return &p.Agents[i]
		}
	}
	return nil
}

// Archivist is the archive authority the delivery is addressed to (FGS: ARCHIVIST
// ORGANIZATION; E-ARK: PRESERVATION ORGANIZATION).
func (p *Package) Archivist() *Agent {
	if a := p.agent(func(a Agent) bool { return a.Role == "ARCHIVIST" && a.Type == "ORGANIZATION" }); a != nil {
		return a
	}
	return p.agent(func(a Agent) bool { return a.Role == "PRESERVATION" && a.Type == "ORGANIZATION" })
}

// Creator is the archival creator (arkivbildare), not the software.
func (p *Package) Creator() *Agent {
	return p.agent(func(a Agent) bool { return a.Role == "CREATOR" && a.Type != "OTHER" })
}

// Submitter is the organisation that delivered the package.
func (p *Package) Submitter() *Agent {
	return p.agent(func(a Agent) bool {
		return a.Role == "OTHER" && (a.OtherRole == "SUBMITTER" || a.OtherRole == "PRODUCER")
	})
}

// Software is the agent that made the package.
func (p *Package) Software() *Agent {
	return p.agent(func(a Agent) bool { return a.Type == "OTHER" && a.OtherType == "SOFTWARE" })
}

// SubmissionAgreement is the altRecordID of type SUBMISSIONAGREEMENT.
func (p *Package) SubmissionAgreement() string {
	for _, r := range p.AltRecordIDs {
		if r.Type == "SUBMISSIONAGREEMENT" {
			return r.Value
		}
	}
	return ""
}

var orgRe = regexp.MustCompile(`(?i)^(?:ORG:)?\s*(\d{6}-?\d{4})$`)

// Parse normalises a root METS document. It never fails: what is missing stays empty
// and is reported by the rules.
func Parse(root *etree.Element, line func(*etree.Element) int) *Package {
	p := &Package{Detection: Detect(root), Ext: map[string]string{}}
	p.Profile = A(root, "PROFILE")
	p.ObjID = A(root, "OBJID")
	p.Label = A(root, "LABEL")
	p.Type = A(root, "TYPE")
	p.ContentType = A(root, "csip:CONTENTINFORMATIONTYPE")
	hdr := Kid(root, "metsHdr")
	for _, e := range []*etree.Element{root, hdr} {
		if e == nil {
			continue
		}
		for _, a := range e.Attr {
			if a.Space != "" && a.Space != "xmlns" && a.NamespaceURI() == NSExt {
				p.Ext[a.Key] = a.Value
			}
		}
	}
	if p.ContentType == "" {
		p.ContentType = p.Ext["CONTENTTYPESPECIFICATION"]
	}
	if hdr != nil {
		p.CreateDate = A(hdr, "CREATEDATE")
		p.LastModDate = A(hdr, "LASTMODDATE")
		p.RecordStatus = A(hdr, "RECORDSTATUS")
		p.OAISType = A(hdr, "csip:OAISPACKAGETYPE")
		if p.OAISType == "" {
			p.OAISType = p.Ext["OAISSTATUS"]
		}
		for _, ag := range Kids(hdr, "agent") {
			a := Agent{Role: A(ag, "ROLE"), OtherRole: A(ag, "OTHERROLE"), Type: A(ag, "TYPE"), OtherType: A(ag, "OTHERTYPE"), Name: Text(Kid(ag, "name"))}
			for _, n := range Kids(ag, "note") {
				note := Note{Type: A(n, "csip:NOTETYPE"), Text: Text(n)}
				a.Notes = append(a.Notes, note)
				if m := orgRe.FindStringSubmatch(note.Text); m != nil && a.OrgID == "" {
					a.OrgID = strings.ReplaceAll(m[1], "-", "")
				} else if note.Type == "IDENTIFICATIONCODE" && a.OrgID == "" {
					a.OrgID = note.Text
				}
			}
			p.Agents = append(p.Agents, a)
		}
		for _, r := range Kids(hdr, "altRecordID") {
			p.AltRecordIDs = append(p.AltRecordIDs, AltRecordID{Type: A(r, "TYPE"), Value: Text(r)})
		}
	}
	for _, sec := range []string{"dmdSec", "amdSec"} {
		for _, s := range Kids(root, sec) {
			var refs []*etree.Element
			if sec == "dmdSec" {
				refs = Kids(s, "mdRef")
			} else {
				for _, sub := range s.ChildElements() {
					refs = append(refs, Kids(sub, "mdRef")...)
				}
			}
			for _, r := range refs {
				f := fileFrom(r, line)
				f.ID = A(r.Parent(), "ID")
				f.Use = r.Parent().Tag // dmdSec, digiprovMD, rightsMD, techMD, sourceMD
				f.Metadata = true
				f.MDType = A(r, "MDTYPE")
				if f.MDType == "OTHER" && A(r, "OTHERMDTYPE") != "" {
					f.MDType = A(r, "OTHERMDTYPE")
				}
				p.Files = append(p.Files, f)
			}
		}
	}
	if fs := Kid(root, "fileSec"); fs != nil {
		var walk func(g *etree.Element, use string)
		walk = func(g *etree.Element, use string) {
			if u := A(g, "USE"); u != "" {
				use = u
			}
			for _, fe := range Kids(g, "file") {
				f := fileFrom(Kid(fe, "FLocat"), line)
				f.ID = A(fe, "ID")
				f.Use = use
				f.MIME = A(fe, "MIMETYPE")
				f.Size, f.HasSize, f.BadSize = parseSize(A(fe, "SIZE"))
				f.Checksum = A(fe, "CHECKSUM")
				f.ChecksumType = A(fe, "CHECKSUMTYPE")
				f.Created = A(fe, "CREATED")
				f.Line = line(fe)
				p.Files = append(p.Files, f)
			}
			for _, sub := range Kids(g, "fileGrp") {
				walk(sub, use)
			}
		}
		for _, g := range Kids(fs, "fileGrp") {
			walk(g, "")
		}
	}
	for _, sm := range Kids(root, "structMap") {
		for _, top := range Kids(sm, "div") {
			for _, d := range Kids(top, "div") {
				if A(d, "LABEL") != "Representations" {
					continue
				}
				for _, rd := range Kids(d, "div") {
					rep := Representation{ID: A(rd, "ID"), Label: A(rd, "LABEL")}
					if mp := Kid(rd, "mptr"); mp != nil {
						rep.METSHref = A(mp, "xlink:href")
						rep.METSPath, _ = HrefPath(rep.METSHref)
					}
					p.Reps = append(p.Reps, rep)
				}
			}
		}
	}
	return p
}

func fileFrom(loc *etree.Element, line func(*etree.Element) int) File {
	var f File
	if loc == nil {
		f.HrefProblem = "no location"
		return f
	}
	f.Line = line(loc)
	f.Href = A(loc, "xlink:href")
	f.MIME = A(loc, "MIMETYPE")
	f.Size, f.HasSize, f.BadSize = parseSize(A(loc, "SIZE"))
	f.Checksum = A(loc, "CHECKSUM")
	f.ChecksumType = A(loc, "CHECKSUMTYPE")
	f.Created = A(loc, "CREATED")
	f.Path, f.HrefProblem = HrefPath(f.Href)
	return f
}

// parseSize reads a SIZE attribute: the byte count, whether there is one,
// and the text if it is there but no byte count (negative, not a number).
func parseSize(s string) (int64, bool, string) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, false, ""
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 {
		return 0, false, s
	}
	return n, true, ""
}

// HrefPath turns a METS xlink:href into a package-relative path. It accepts relative
// URLs and the file:/// form FGS 1.x tools (ESSArch) write for package-relative files,
// and refuses anything that leaves the package. It returns the path or, if none,
// why not.
func HrefPath(href string) (string, string) {
	h := strings.TrimSpace(href)
	if h == "" {
		return "", "empty href"
	}
	if strings.HasPrefix(strings.ToLower(h), "file:") {
		h = h[len("file:"):]
		h = strings.TrimPrefix(h, "//")
		h = strings.TrimPrefix(h, "/")
	} else if u, err := url.Parse(h); err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		return "", "not a local file (" + u.Scheme + " URL)"
	}
	if i := strings.IndexAny(h, "?#"); i >= 0 && strings.Contains(h, "%") {
		h = h[:i]
	}
	if strings.Contains(h, "%") {
		if u, err := url.PathUnescape(h); err == nil {
			h = u
		}
	}
	clean, err := pkgfs.CleanName(strings.TrimPrefix(h, "./"), 0)
	if err != nil {
		return "", err.Error()
	}
	return clean, ""
}

package rules

import (
	"mime"
	"regexp"
	"strings"

	"github.com/beevik/etree"

	"github.com/earkiv/earkiv/internal/fgs"
	"github.com/earkiv/earkiv/internal/fixity"
	"github.com/earkiv/earkiv/internal/report"
)

const (
	must   = report.MUST
	should = report.SHOULD
	may    = report.MAY
)

// Vocabulary names (the files in schemas/csip/vocabularies and sip/vocabularies).
const (
	VContentCategory = "ContentCategory"
	VContentInfoType = "ContentInformationType"
	VOAISType        = "OAISPackageType"
	VStatus          = "Status"
	VNoteType        = "NoteType"
	VRecordStatus    = "RecordStatus"
)

var mimeRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$`)

// mimeOK accepts a single IANA-style media type, parameters allowed; a list of types
// or free text is not a media type.
func mimeOK(v string) string {
	base, _, err := mime.ParseMediaType(v)
	if err != nil || !mimeRe.MatchString(base) || strings.TrimSpace(v) != v {
		return "'" + v + "' is not a single IANA media type"
	}
	if top, _, _ := strings.Cut(base, "/"); !ianaTop[top] {
		return "'" + v + "' has no IANA top-level type (" + top + ")"
	}
	return ""
}

// ianaTop are the IANA top-level media types (RFC 6838 and later registrations).
var ianaTop = map[string]bool{"application": true, "audio": true, "example": true, "font": true, "haptics": true, "image": true, "message": true, "model": true, "multipart": true, "text": true, "video": true}

// digestTest: a declared checksum must be a hex digest of its algorithm's length,
// which can be checked before any file is read.
func digestTest(_ *Ctx, e *etree.Element) string {
	sum, typ := fgs.A(e, "CHECKSUM"), fgs.A(e, "CHECKSUMTYPE")
	alg, ok := fixity.Parse(typ)
	if sum == "" || !ok {
		return ""
	}
	if len(sum) != alg.HexLen() || strings.Trim(strings.ToLower(sum), "0123456789abcdef") != "" {
		return "@CHECKSUM '" + sum + "' is not a " + string(alg) + " digest"
	}
	return ""
}

// folderHasFiles tells whether the package has files under dir.
func folderHasFiles(c *Ctx, dir string) bool {
	for e := range c.Entries {
		if strings.HasPrefix(e, dir+"/") {
			return true
		}
	}
	return false
}

func mimeTest(attr string) Test {
	return func(_ *Ctx, e *etree.Element) string {
		v, ok := fgs.Attr(e, attr)
		if !ok || v == "" {
			return "@" + attr + " is missing"
		}
		return mimeOK(v)
	}
}

// mdRefRules builds the rules every mdRef section shares (dmdSec, digiprovMD,
// rightsMD); ids follow the profile's numbering for each section.
func mdRefRules(ctx string, ids [9]string) []Rule {
	p := ctx + "/mdRef"
	return []Rule{
		{ids[0], must, CSIP, "mdRef/@LOCTYPE must be 'URL'", Each(p, Is("LOCTYPE", "URL"))},
		{ids[1], must, CSIP, "mdRef/@xlink:type must be 'simple'", Each(p, Is("xlink:type", "simple"))},
		{ids[2], must, CSIP, "mdRef/@xlink:href must give the file's location", Each(p, Present("xlink:href"))},
		{ids[3], must, CSIP, "mdRef/@MDTYPE must state the metadata type", Each(p, Present("MDTYPE"))},
		{ids[4], must, CSIP, "mdRef/@MIMETYPE must be the file's IANA media type", Each(p, mimeTest("MIMETYPE"))},
		{ids[5], must, CSIP, "mdRef/@SIZE must give the file size in bytes", Each(p, Present("SIZE"))},
		{ids[6], must, CSIP, "mdRef/@CREATED must give the file's creation time", Each(p, Present("CREATED"))},
		{ids[7], must, CSIP, "mdRef/@CHECKSUM must give the file's checksum", Each(p, All(Present("CHECKSUM"), digestTest))},
		{ids[8], must, CSIP, "mdRef/@CHECKSUMTYPE must name the checksum algorithm", Each(p, Present("CHECKSUMTYPE"))},
	}
}

func statusRules(ctx, id string) []Rule {
	return []Rule{
		{id, should, CSIP, ctx + "/@STATUS should record the metadata status", Each("mets/"+ctx, Present("STATUS"))},
		{id, must, CSIP, ctx + "/@STATUS must be CURRENT or SUPERSEDED", Each("mets/"+ctx, InVocab("STATUS", VStatus, false))},
	}
}

// softwareAgent is the mandatory CSIP agent: the software that made the package.
func softwareAgents(c *Ctx) []*etree.Element {
	return Sel(c.Root, "mets/metsHdr/agent[@ROLE='CREATOR'][@TYPE='OTHER'][@OTHERTYPE='SOFTWARE']")
}

func fileGrps(c *Ctx, match func(use string) bool) []*etree.Element {
	var out []*etree.Element
	for _, g := range Sel(c.Root, "mets/fileSec/fileGrp") {
		if match(fgs.A(g, "USE")) {
			out = append(out, g)
		}
	}
	return out
}

func isRepUse(u string) bool {
	return u == "Representations" || strings.HasPrefix(u, "Representations/")
}

// divPointsAt: every fileGrp of the kind must be referenced by an fptr in the CSIP
// structMap, within a division labelled for it (label, or label/<sub> as SIP
// packages nest them) or, for Schemas and Documentation, anywhere in the map
// (representation sub-divisions may point at their own schema groups).
func divPointsAt(label string, match func(string) bool) Check {
	return func(c *Ctx, emit func(*etree.Element, string)) {
		groups := fileGrps(c, match)
		if len(groups) == 0 {
			return
		}
		ptr := map[string]bool{}
		found := false
		for _, sm := range Sel(c.Root, "mets/structMap[@LABEL='CSIP']") {
			for _, d := range sm.FindElements(".//div") {
				l := fgs.A(d, "LABEL")
				inKind := l == label || strings.HasPrefix(l, label+"/")
				found = found || inKind
				if !inKind && label == "Representations" {
					continue
				}
				for _, f := range d.FindElements("./fptr") {
					ptr[fgs.A(f, "FILEID")] = true
				}
			}
		}
		if !found {
			emit(groups[0], "fileGrp "+fgs.A(groups[0], "USE")+" exists but the structMap has no '"+label+"' division pointing at it")
			return
		}
		for _, g := range groups {
			if !ptr[fgs.A(g, "ID")] {
				emit(g, "no '"+label+"' division has an fptr to fileGrp "+fgs.A(g, "ID"))
			}
		}
	}
}

// idSet compares an IDREFS attribute with the ids it must list exactly.
func idSet(attr string, want func(c *Ctx) []string) Test {
	return func(c *Ctx, e *etree.Element) string {
		w := want(c)
		if len(w) == 0 {
			return ""
		}
		v, ok := fgs.Attr(e, attr)
		if !ok {
			return "@" + attr + " is missing; it must reference " + strings.Join(w, " ")
		}
		have := map[string]bool{}
		for _, id := range strings.Fields(v) {
			have[id] = true
		}
		for _, id := range w {
			if !have[id] {
				return "@" + attr + " does not reference " + id
			}
			delete(have, id)
		}
		for id := range have {
			return "@" + attr + " references " + id + ", which is not a current metadata section"
		}
		return ""
	}
}

func amdIDs(c *Ctx) []string {
	var ids []string
	for _, s := range Sel(c.Root, "mets/amdSec") {
		for _, k := range s.ChildElements() {
			if id := fgs.A(k, "ID"); id != "" && fgs.A(k, "STATUS") != "SUPERSEDED" {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

func dmdIDs(c *Ctx) []string {
	var ids []string
	for _, s := range Sel(c.Root, "mets/dmdSec") {
		if id := fgs.A(s, "ID"); id != "" && fgs.A(s, "STATUS") != "SUPERSEDED" {
			ids = append(ids, id)
		}
	}
	return ids
}

func allIDs(c *Ctx) map[string]bool {
	ids := map[string]bool{}
	for _, e := range c.Root.FindElements("//*") {
		if id := fgs.A(e, "ID"); id != "" {
			ids[id] = true
		}
	}
	if id := fgs.A(c.Root, "ID"); id != "" {
		ids[id] = true
	}
	return ids
}

// CSIPRules are the E-ARK CSIP 2.x requirements and the package-structure rules.
var CSIPRules = func() []Rule {
	r := []Rule{
		{"CSIP1", must, CSIP, "mets/@OBJID must exist and not be empty", Each("mets", Present("OBJID"))},
		{"CSIP1", should, CSIP, "mets/@OBJID should equal the package (or representation) folder name", Each("mets", func(c *Ctx, e *etree.Element) string {
			if v := fgs.A(e, "OBJID"); v != "" && c.Name != "" && v != c.Name {
				return "mets/@OBJID '" + v + "' differs from the folder name '" + c.Name + "'"
			}
			return ""
		})},
		{"CSIP2", must, CSIP, "mets/@TYPE must be a content category from the CSIP vocabulary (OTHER with csip:OTHERTYPE)", Each("mets", func(c *Ctx, e *etree.Element) string {
			v, ok := fgs.Attr(e, "TYPE")
			if !ok || v == "" {
				return "mets/@TYPE is missing"
			}
			if !c.Vocab.HasFold(VContentCategory, v) {
				return "mets/@TYPE '" + v + "' is not in the content category vocabulary"
			}
			if strings.EqualFold(v, "OTHER") && strings.TrimSpace(fgs.A(e, "csip:OTHERTYPE")) == "" {
				return "mets/@TYPE is OTHER but csip:OTHERTYPE is missing or empty"
			}
			return ""
		})},
		{"CSIP3", should, CSIP, "mets/@csip:OTHERTYPE should be given when mets/@TYPE is OTHER", Each("mets", func(_ *Ctx, e *etree.Element) string {
			if strings.EqualFold(fgs.A(e, "TYPE"), "OTHER") {
				if _, ok := fgs.Attr(e, "csip:OTHERTYPE"); !ok {
					return "!"
				}
			}
			return ""
		})},
		{"CSIP4", should, CSIP | RootDoc, "mets/@csip:CONTENTINFORMATIONTYPE should declare the content information type", Each("mets", Present("csip:CONTENTINFORMATIONTYPE"))},
		{"CSIP4", must, CSIP | RepDoc, "a representation METS must declare mets/@csip:CONTENTINFORMATIONTYPE", Each("mets", Present("csip:CONTENTINFORMATIONTYPE"))},
		{"CSIP4", must, CSIP, "mets/@csip:CONTENTINFORMATIONTYPE must be from the vocabulary (OTHER with csip:OTHERCONTENTINFORMATIONTYPE)", Each("mets", func(c *Ctx, e *etree.Element) string {
			v, ok := fgs.Attr(e, "csip:CONTENTINFORMATIONTYPE")
			if !ok {
				return ""
			}
			if !c.Vocab.Has(VContentInfoType, v) {
				return "'" + v + "' is not in the content information type vocabulary"
			}
			if v == "OTHER" && strings.TrimSpace(fgs.A(e, "csip:OTHERCONTENTINFORMATIONTYPE")) == "" {
				return "CONTENTINFORMATIONTYPE is OTHER but csip:OTHERCONTENTINFORMATIONTYPE is missing or empty"
			}
			return ""
		})},
		{"CSIP5", may, CSIP, "mets/@csip:OTHERCONTENTINFORMATIONTYPE is only used with CONTENTINFORMATIONTYPE OTHER", Each("mets", func(_ *Ctx, e *etree.Element) string {
			if _, ok := fgs.Attr(e, "csip:OTHERCONTENTINFORMATIONTYPE"); ok && fgs.A(e, "csip:CONTENTINFORMATIONTYPE") != "OTHER" {
				return "!"
			}
			return ""
		})},
		{"CSIP6", must, CSIP, "mets/@PROFILE must name the METS profile the package conforms to", Each("mets", Present("PROFILE"))},
		{"CSIP117", must, CSIP, "mets/metsHdr must exist", Exists("mets/metsHdr", 1, 1)},
		{"CSIP7", must, CSIP, "mets/metsHdr/@CREATEDATE must record when the package was created", Each("mets/metsHdr", Present("CREATEDATE"))},
		{"CSIP8", should, CSIP, "mets/metsHdr/@LASTMODDATE should record the last modification", Each("mets/metsHdr", Present("LASTMODDATE"))},
		{"CSIP8", must, CSIP, "mets/metsHdr/@LASTMODDATE must not be in the future or before CREATEDATE", Each("mets/metsHdr", func(c *Ctx, e *etree.Element) string {
			lm, ok := fgs.Attr(e, "LASTMODDATE")
			if !ok {
				return ""
			}
			if t, ok := parseTime(lm); ok {
				if now, _ := parseTime(c.Now); t.After(now) {
					return "LASTMODDATE " + lm + " is in the future"
				}
				if cd, ok := parseTime(fgs.A(e, "CREATEDATE")); ok && t.Before(cd) {
					return "LASTMODDATE " + lm + " is before CREATEDATE"
				}
			}
			return ""
		})},
		{"CSIP9", must, CSIP, "mets/metsHdr/@csip:OAISPACKAGETYPE must be SIP, AIP, DIP, AIU or AIC", Each("mets/metsHdr", InVocab("csip:OAISPACKAGETYPE", VOAISType, true))},
		{"CSIP10", must, CSIP, "mets/metsHdr/agent must exist", Each("mets/metsHdr", KidCount("agent", 1, -1))},
		{"CSIP11", must, CSIP, "an agent with @ROLE='CREATOR', @TYPE='OTHER' and @OTHERTYPE='SOFTWARE' must record the software that made the package", When(func(c *Ctx) bool { return len(softwareAgents(c)) == 0 }, Each("mets/metsHdr", func(*Ctx, *etree.Element) string { return "!" }))},
		{"CSIP12", must, CSIP, "the software agent must have @TYPE='OTHER'", Each("mets/metsHdr/agent[@ROLE='CREATOR'][@OTHERTYPE='SOFTWARE']", Is("TYPE", "OTHER"))},
		{"CSIP13", must, CSIP, "the software agent must have @OTHERTYPE='SOFTWARE'", Each("mets/metsHdr/agent[@ROLE='CREATOR'][@TYPE='OTHER']", Is("OTHERTYPE", "SOFTWARE"))},
		{"CSIP14", must, CSIP, "the software agent must have one non-empty name", Each("mets/metsHdr/agent[@ROLE='CREATOR'][@TYPE='OTHER']", func(_ *Ctx, e *etree.Element) string {
			n := fgs.Kids(e, "name")
			if len(n) != 1 || fgs.Text(n[0]) == "" {
				return "!"
			}
			return ""
		})},
		{"CSIP15", must, CSIP, "the software agent must have one non-empty note with the software version", Each("mets/metsHdr/agent[@ROLE='CREATOR'][@TYPE='OTHER']", func(_ *Ctx, e *etree.Element) string {
			n := fgs.Kids(e, "note")
			if len(n) != 1 || fgs.Text(n[0]) == "" {
				return "!"
			}
			return ""
		})},
		{"CSIP16", must, CSIP, "the software agent's note must have @csip:NOTETYPE='SOFTWARE VERSION'", Each("mets/metsHdr/agent[@ROLE='CREATOR'][@TYPE='OTHER']/note", Is("csip:NOTETYPE", "SOFTWARE VERSION"))},

		{"CSIP17", should, CSIP, "mets/dmdSec should describe the content when descriptive metadata exists", Exists("mets/dmdSec", 1, -1)},
		{"CSIP18", must, CSIP, "dmdSec/@ID must exist", Each("mets/dmdSec", Present("ID"))},
		{"CSIP19", must, CSIP, "dmdSec/@CREATED must exist", Each("mets/dmdSec", Present("CREATED"))},
		{"CSIP21", should, CSIP, "dmdSec should reference its file with mdRef", Each("mets/dmdSec", KidCount("mdRef", 1, -1))},

		{"CSIP17", must, CSIP, "descriptive metadata in metadata/descriptive must be described in a dmdSec", When(func(c *Ctx) bool { return folderHasFiles(c, "metadata/descriptive") }, Exists("mets/dmdSec", 1, -1))},
		{"CSIP21", must, CSIP, "with files in metadata/descriptive, the dmdSec must reference them with mdRef", When(func(c *Ctx) bool { return folderHasFiles(c, "metadata/descriptive") }, Each("mets/dmdSec", KidCount("mdRef", 1, -1)))},
		{"CSIP31", must, CSIP, "preservation metadata in metadata/preservation must be described in an amdSec", When(func(c *Ctx) bool { return folderHasFiles(c, "metadata/preservation") }, Exists("mets/amdSec", 1, -1))},
		{"CSIP31", should, CSIP, "mets/amdSec should hold administrative metadata when it exists", Exists("mets/amdSec", 1, -1)},
		{"CSIP31", must, CSIP, "there must be at most one mets/amdSec", Exists("mets/amdSec", 0, 1)},
		{"CSIP32", should, CSIP, "amdSec should hold PREMIS in digiprovMD", Each("mets/amdSec", KidCount("digiprovMD", 1, -1))},
		{"CSIP32", must, CSIP, "digiprovMD must reference PREMIS (MDTYPE='PREMIS')", Each("mets/amdSec/digiprovMD/mdRef", Is("MDTYPE", "PREMIS", "PREMIS:EVENT", "PREMIS:OBJECT", "PREMIS:AGENT", "PREMIS:RIGHTS", "OTHER"))},
		{"CSIP33", must, CSIP, "digiprovMD/@ID must exist", Each("mets/amdSec/digiprovMD", Present("ID"))},
		{"CSIP35", should, CSIP, "digiprovMD should reference its file with mdRef", Each("mets/amdSec/digiprovMD", KidCount("mdRef", 1, -1))},
		{"CSIP46", must, CSIP, "rightsMD/@ID must exist", Each("mets/amdSec/rightsMD", Present("ID"))},
		{"CSIP48", should, CSIP, "rightsMD should reference its file with mdRef", Each("mets/amdSec/rightsMD", KidCount("mdRef", 1, -1))},

		{"CSIP58", should, CSIP, "mets/fileSec should list the package's files", Exists("mets/fileSec", 1, -1)},
		{"CSIP59", must, CSIP, "fileSec/@ID must exist", Each("mets/fileSec", Present("ID"))},
		{"CSIP60", should, CSIP | RootDoc, "a fileGrp with @USE='Documentation' should hold the documentation", When(func(c *Ctx) bool { return len(Sel(c.Root, "mets/fileSec")) > 0 }, Exists("mets/fileSec/fileGrp[@USE='Documentation']", 1, -1))},
		{"CSIP113", should, CSIP | RootDoc, "a fileGrp with @USE='Schemas' should list the XML schemas used", When(func(c *Ctx) bool { return len(Sel(c.Root, "mets/fileSec")) > 0 }, Exists("mets/fileSec/fileGrp[@USE='Schemas']", 1, -1))},
		{"CSIP114", should, CSIP | RootDoc, "a fileGrp with @USE='Representations…' should reference the content", When(func(c *Ctx) bool { return len(Sel(c.Root, "mets/fileSec")) > 0 }, Exists("mets/fileSec/fileGrp[starts-with(@USE,'Representations')]", 1, -1))},
		{"CSIP61", should, CSIP, "fileGrp/@ADMID must reference administrative metadata sections", Each("mets/fileSec/fileGrp[@ADMID]", func(c *Ctx, e *etree.Element) string {
			amd := map[string]bool{}
			for _, id := range amdIDs(c) {
				amd[id] = true
			}
			for _, id := range strings.Fields(fgs.A(e, "ADMID")) {
				if !amd[id] {
					return "@ADMID references " + id + ", which is not an amdSec metadata section"
				}
			}
			return ""
		})},
		{"CSIP62", must, CSIP, "a Representations fileGrp must have @csip:CONTENTINFORMATIONTYPE from the vocabulary", Each("mets/fileSec/fileGrp[starts-with(@USE,'Representations')]", func(c *Ctx, e *etree.Element) string {
			v, ok := fgs.Attr(e, "csip:CONTENTINFORMATIONTYPE")
			if !ok {
				return "@csip:CONTENTINFORMATIONTYPE is missing"
			}
			if !c.Vocab.Has(VContentInfoType, v) {
				return "@csip:CONTENTINFORMATIONTYPE '" + v + "' is not in the vocabulary"
			}
			return ""
		})},
		{"CSIP63", must, CSIP, "fileGrp/@csip:OTHERCONTENTINFORMATIONTYPE must be given with, and only with, CONTENTINFORMATIONTYPE OTHER, and not repeat a vocabulary term", Each("mets/fileSec/fileGrp", func(c *Ctx, e *etree.Element) string {
			ct := fgs.A(e, "csip:CONTENTINFORMATIONTYPE")
			oc, has := fgs.Attr(e, "csip:OTHERCONTENTINFORMATIONTYPE")
			switch {
			case ct == "OTHER" && strings.TrimSpace(oc) == "":
				return "CONTENTINFORMATIONTYPE is OTHER but OTHERCONTENTINFORMATIONTYPE is missing or empty"
			case ct == "OTHER" && c.Vocab.Has(VContentInfoType, oc):
				return "OTHERCONTENTINFORMATIONTYPE '" + oc + "' is a vocabulary term; use it as CONTENTINFORMATIONTYPE"
			case ct != "OTHER" && has:
				return "OTHERCONTENTINFORMATIONTYPE given but CONTENTINFORMATIONTYPE is not OTHER"
			}
			return ""
		})},
		{"CSIP64", must, CSIP, "fileGrp/@USE must be Documentation, Schemas or Representations/<folder> matching the package", Each("mets/fileSec/fileGrp", func(c *Ctx, e *etree.Element) string {
			u, ok := fgs.Attr(e, "USE")
			if !ok || u == "" {
				return "@USE is missing"
			}
			switch {
			case u == "Documentation" || u == "Schemas" || u == "Representations" || u == "Metadata":
				return ""
			case strings.HasPrefix(u, "Representations/"):
				// The group's files must lie in the folder its USE names.
				dir := "r" + strings.TrimPrefix(u, "R") + "/"
				for _, fl := range e.FindElements("./file/FLocat") {
					if p, _ := fgs.HrefPath(fgs.A(fl, "xlink:href")); p != "" && !strings.HasPrefix(p, dir) {
						return "@USE '" + u + "' but file " + p + " lies outside " + dir
					}
				}
				return ""
			case c.IsRep && u == "Data":
				return ""
			}
			return "@USE '" + u + "' is not a CSIP file group name"
		})},
		{"CSIP65", must, CSIP, "fileGrp/@ID must exist", Each("mets/fileSec/fileGrp", Present("ID"))},
		{"CSIP66", must, CSIP, "a fileGrp must contain file elements", Each("mets/fileSec/fileGrp", func(_ *Ctx, e *etree.Element) string {
			if len(fgs.Kids(e, "file"))+len(fgs.Kids(e, "fileGrp")) == 0 {
				return "!"
			}
			return ""
		})},
		{"CSIP67", must, CSIP, "file/@ID must exist", Each("mets/fileSec/fileGrp/file", Present("ID"))},
		{"CSIP68", must, CSIP, "file/@MIMETYPE must be the file's IANA media type", Each("mets/fileSec/fileGrp/file", mimeTest("MIMETYPE"))},
		{"CSIP69", must, CSIP, "file/@SIZE must give the size in bytes", Each("mets/fileSec/fileGrp/file", Present("SIZE"))},
		{"CSIP70", must, CSIP, "file/@CREATED must exist", Each("mets/fileSec/fileGrp/file", Present("CREATED"))},
		{"CSIP71", must, CSIP, "file/@CHECKSUM must exist", Each("mets/fileSec/fileGrp/file", All(Present("CHECKSUM"), digestTest))},
		{"CSIP72", must, CSIP, "file/@CHECKSUMTYPE must exist", Each("mets/fileSec/fileGrp/file", Present("CHECKSUMTYPE"))},
		{"CSIP76", must, CSIP, "each file must have exactly one FLocat", Each("mets/fileSec/fileGrp/file", KidCount("FLocat", 1, 1))},
		{"CSIP77", must, CSIP, "FLocat/@LOCTYPE must be 'URL'", Each("mets/fileSec/fileGrp/file/FLocat", Is("LOCTYPE", "URL"))},
		{"CSIP78", must, CSIP, "FLocat/@xlink:type must be 'simple'", Each("mets/fileSec/fileGrp/file/FLocat", Is("xlink:type", "simple"))},
		{"CSIP79", must, CSIP, "FLocat/@xlink:href must give the file's location", Each("mets/fileSec/fileGrp/file/FLocat", Present("xlink:href"))},

		{"CSIP80", must, CSIP, "there must be exactly one structMap with @LABEL='CSIP'", Exists("mets/structMap[@LABEL='CSIP']", 1, 1)},
		{"CSIP81", must, CSIP, "the CSIP structMap must have @TYPE='PHYSICAL'", Each("mets/structMap[@LABEL='CSIP']", Is("TYPE", "PHYSICAL"))},
		{"CSIP82", must, CSIP, "the structMap must be labelled 'CSIP'", When(func(c *Ctx) bool { return len(Sel(c.Root, "mets/structMap[@LABEL='CSIP']")) == 0 }, Each("mets/structMap", func(*Ctx, *etree.Element) string { return "!" }))},
		{"CSIP83", must, CSIP, "the CSIP structMap must have @ID", Each("mets/structMap[@LABEL='CSIP']", Present("ID"))},
		{"CSIP84", must, CSIP, "the CSIP structMap must have a single main div", Each("mets/structMap[@LABEL='CSIP']", KidCount("div", 1, 1))},
		{"CSIP85", must, CSIP, "the main div must have @ID", Each("mets/structMap[@LABEL='CSIP']/div", Present("ID"))},
		{"CSIP86", must, CSIP, "the main div's @LABEL must equal mets/@OBJID", Each("mets/structMap[@LABEL='CSIP']/div", func(c *Ctx, e *etree.Element) string {
			l, ok := fgs.Attr(e, "LABEL")
			if !ok || l == "" {
				return "@LABEL is missing"
			}
			if o := fgs.A(c.Root, "OBJID"); o != "" && l != o {
				return "@LABEL '" + l + "' differs from mets/@OBJID '" + o + "'"
			}
			return ""
		})},
		{"CSIP88", must, CSIP, "the main div must have exactly one 'Metadata' division", Each("mets/structMap[@LABEL='CSIP']/div", divCount("Metadata", 1, 1))},
		{"CSIP90", must, CSIP, "the metadata division's @LABEL must be 'Metadata'", Each("mets/structMap[@LABEL='CSIP']/div", divCount("Metadata", 1, 1))},
		{"CSIP89", must, CSIP, "the 'Metadata' division must have @ID", Each("mets/structMap[@LABEL='CSIP']/div/div[@LABEL='Metadata']", Present("ID"))},
		{"CSIP91", must, CSIP, "the 'Metadata' division's @ADMID must reference every current amdSec section, and only those", Each("mets/structMap[@LABEL='CSIP']/div/div[@LABEL='Metadata']", idSet("ADMID", amdIDs))},
		{"CSIP92", must, CSIP, "the 'Metadata' division's @DMDID must reference every current dmdSec, and only those", Each("mets/structMap[@LABEL='CSIP']/div/div[@LABEL='Metadata']", idSet("DMDID", dmdIDs))},
		{"CSIP93", should, CSIP | RootDoc, "the main div should have a 'Documentation' division", Each("mets/structMap[@LABEL='CSIP']/div", divCount("Documentation", 1, -1))},
		{"CSIP93", must, CSIP, "the main div must have at most one 'Documentation' division", Each("mets/structMap[@LABEL='CSIP']/div", divCount("Documentation", 0, 1))},
		{"CSIP94", must, CSIP, "the 'Documentation' division must have @ID", Each("mets/structMap[@LABEL='CSIP']/div/div[@LABEL='Documentation']", Present("ID"))},
		{"CSIP96", must, CSIP, "every Documentation fileGrp must be referenced from the 'Documentation' division", divPointsAt("Documentation", func(u string) bool { return u == "Documentation" })},
		{"CSIP116", must, CSIP, "the 'Documentation' division's fptr/@FILEID must point at the Documentation fileGrp", divPointsAt("Documentation", func(u string) bool { return u == "Documentation" })},
		{"CSIP97", should, CSIP | RootDoc, "the main div should have a 'Schemas' division", Each("mets/structMap[@LABEL='CSIP']/div", divCount("Schemas", 1, -1))},
		{"CSIP97", must, CSIP, "the main div must have at most one 'Schemas' division", Each("mets/structMap[@LABEL='CSIP']/div", divCount("Schemas", 0, 1))},
		{"CSIP98", must, CSIP, "the 'Schemas' division must have @ID", Each("mets/structMap[@LABEL='CSIP']/div/div[@LABEL='Schemas']", Present("ID"))},
		{"CSIP100", must, CSIP, "every Schemas fileGrp must be referenced from the 'Schemas' division", divPointsAt("Schemas", func(u string) bool { return u == "Schemas" })},
		{"CSIP118", must, CSIP, "the 'Schemas' division's fptr/@FILEID must point at the Schemas fileGrp", divPointsAt("Schemas", func(u string) bool { return u == "Schemas" })},
		{"CSIP101", should, CSIP | RootDoc, "the main div should have a 'Representations' division", When(func(c *Ctx) bool { return len(fileGrps(c, isRepUse)) > 0 }, Each("mets/structMap[@LABEL='CSIP']/div", divCount("Representations", 1, -1)))},
		{"CSIP101", must, CSIP, "the main div must have at most one 'Representations' division", Each("mets/structMap[@LABEL='CSIP']/div", divCount("Representations", 0, 1))},
		{"CSIP102", must, CSIP, "the 'Representations' division must have @ID", Each("mets/structMap[@LABEL='CSIP']/div/div[@LABEL='Representations']", Present("ID"))},
		{"CSIP104", must, CSIP, "every Representations fileGrp must be referenced from the 'Representations' division", divPointsAt("Representations", isRepUse)},
		{"CSIP119", must, CSIP, "the 'Representations' division's fptr/@FILEID must point at the Representations fileGrp", divPointsAt("Representations", isRepUse)},
		{"CSIP106", must, CSIP, "a representation division must have @ID", Each("mets/structMap[@LABEL='CSIP']/div/div[starts-with(@LABEL,'Representations/')]", Present("ID"))},
		{"CSIP107", must, CSIP, "a representation division must have @LABEL", Each("mets/structMap[@LABEL='CSIP']/div/div[starts-with(@LABEL,'Representations/')]", Present("LABEL"))},
		{"CSIP109", must, CSIP, "a representation division must point at its representation METS (one mptr) or hold its own divisions", Each("mets/structMap[@LABEL='CSIP']/div/div[starts-with(@LABEL,'Representations/')]", func(_ *Ctx, e *etree.Element) string {
			if n := len(fgs.Kids(e, "mptr")); n == 1 || n == 0 && (len(fgs.Kids(e, "div")) > 0 || len(fgs.Kids(e, "fptr")) > 0) {
				return ""
			}
			return "!"
		})},
		{"CSIP108", must, CSIP, "the representation mptr must have @xlink:title naming the representation fileGrp", Each("mets/structMap[@LABEL='CSIP']/div/div[starts-with(@LABEL,'Representations/')]/mptr", Present("xlink:title"))},
		{"CSIP110", must, CSIP, "the representation mptr must have @xlink:href", Each("mets/structMap[@LABEL='CSIP']/div/div[starts-with(@LABEL,'Representations/')]/mptr", Present("xlink:href"))},
		{"CSIP111", must, CSIP, "the representation mptr must have @xlink:type='simple'", Each("mets/structMap[@LABEL='CSIP']/div/div[starts-with(@LABEL,'Representations/')]/mptr", Is("xlink:type", "simple"))},
		{"CSIP112", must, CSIP, "the representation mptr must have @LOCTYPE='URL'", Each("mets/structMap[@LABEL='CSIP']/div/div[starts-with(@LABEL,'Representations/')]/mptr", Is("LOCTYPE", "URL"))},

		{"CSIPSTR5", should, CSIP | RootDoc, "the package root should have a 'metadata' folder", func(c *Ctx, emit func(*etree.Element, string)) {
			if c.Dirs != nil && !c.Dirs["metadata"] {
				emit(nil, "")
			}
		}},
	}
	r = append(r, statusRules("dmdSec", "CSIP20")...)
	r = append(r, mdRefRules("mets/dmdSec", [9]string{"CSIP22", "CSIP23", "CSIP24", "CSIP25", "CSIP26", "CSIP27", "CSIP28", "CSIP29", "CSIP30"})...)
	r = append(r, statusRules("amdSec/digiprovMD", "CSIP34")...)
	r = append(r, mdRefRules("mets/amdSec/digiprovMD", [9]string{"CSIP36", "CSIP37", "CSIP38", "CSIP39", "CSIP40", "CSIP41", "CSIP42", "CSIP43", "CSIP44"})...)
	r = append(r, statusRules("amdSec/rightsMD", "CSIP47")...)
	r = append(r, mdRefRules("mets/amdSec/rightsMD", [9]string{"CSIP49", "CSIP50", "CSIP51", "CSIP52", "CSIP53", "CSIP54", "CSIP55", "CSIP56", "CSIP57"})...)
	return r
}()

// divCount checks how many child divisions carry label.
func divCount(label string, min, max int) Test {
	return func(_ *Ctx, e *etree.Element) string {
		n := 0
		for _, d := range fgs.Kids(e, "div") {
			if fgs.A(d, "LABEL") == label {
				n++
			}
		}
		if n < min {
			return "no '" + label + "' division"
		}
		if max >= 0 && n > max {
			return "more than one '" + label + "' division"
		}
		return ""
	}
}

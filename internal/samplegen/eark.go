package samplegen

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/beevik/etree"
	"github.com/google/uuid"

	"github.com/earkiv/earkiv/internal/fgs"
)

// earkSchemas are the schema files an E-ARK package carries in schemas/.
var earkSchemas = map[string]string{
	"schemas/mets.xsd":                   "mets/mets-1.12.xsd",
	"schemas/xlink.xsd":                  "xlink/xlink.xsd",
	"schemas/DILCISExtensionMETS.xsd":    "csip/DILCISExtensionMETS.xsd",
	"schemas/DILCISExtensionSIPMETS.xsd": "sip/DILCISExtensionSIPMETS.xsd",
}

func (g *gen) earkMetadata() error {
	d, err := g.writeFile("documentation/leveransbeskrivning.txt", "text/plain", strings.NewReader(fmt.Sprintf(
		"Leverans av avslutade ärenden från %s (org.nr %s): %d ärenden med %d handlingar vardera.\n",
		g.spec.OrgName, g.spec.OrgID, g.spec.Cases, g.spec.Files)))
	if err != nil {
		return err
	}
	g.doc = d
	if err := g.addMeta("metadata/descriptive/erms.xml", g.erms()); err != nil {
		return err
	}
	if err := g.addMeta("metadata/preservation/premis.xml", g.premis()); err != nil {
		return err
	}
	if g.spec.Schemas != nil {
		for _, dst := range []string{"schemas/DILCISExtensionMETS.xsd", "schemas/DILCISExtensionSIPMETS.xsd", "schemas/mets.xsd", "schemas/xlink.xsd"} {
			src, err := g.spec.Schemas.Open(earkSchemas[dst])
			if err != nil {
				return err
			}
			f, err := g.writeFile(dst, "application/xml", src)
			_ = src.Close() // read only
			if err != nil {
				return err
			}
			g.schem = append(g.schem, f)
		}
	}
	return nil
}

// erms builds CITS ERMS 2.1 content: one aggregation (caseFile) per ärende with
// its records (handlingar) and their appendices (the files).
func (g *gen) erms() *etree.Document {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	e := doc.CreateElement("erms")
	e.CreateAttr("xmlns", fgs.NSERMS)
	c := e.CreateElement("control")
	id := c.CreateElement("identification")
	id.CreateAttr("identificationType", "arkivbildare")
	id.SetText(g.spec.OrgName)
	id = c.CreateElement("identification")
	id.CreateAttr("identificationType", "organisationsnummer")
	id.SetText(g.spec.OrgID)
	mi := c.CreateElement("maintenanceInformation")
	mi.CreateElement("maintenanceStatus").CreateAttr("value", "new")
	ma := mi.CreateElement("maintenanceAgency")
	ac := ma.CreateElement("agencyCode")
	ac.CreateAttr("type", "organisationsnummer")
	ac.SetText(g.spec.OrgID)
	ma.CreateElement("agencyName").SetText(g.spec.OrgName)
	ev := mi.CreateElement("maintenanceHistory").CreateElement("maintenanceEvent")
	ev.CreateElement("eventType").CreateAttr("value", "created")
	ev.CreateElement("eventDateTime").SetText(g.created())
	ag := ev.CreateElement("agent")
	ag.CreateAttr("agentType", "deliverer")
	ag.CreateElement("name").SetText("earkiv sample generator")
	aggs := e.CreateElement("aggregations")
	for cs := 0; cs < g.spec.Cases; cs++ {
		dnr, title := g.caseInfo(cs)
		a := aggs.CreateElement("aggregation")
		a.CreateAttr("systemIdentifier", uuid.NewSHA1(uuid.NameSpaceOID, []byte(g.spec.ID+dnr)).String())
		a.CreateAttr("aggregationType", "caseFile")
		a.CreateElement("objectId").SetText(dnr)
		if g.spec.CaseType != "" {
			x := a.CreateElement("extraId")
			x.CreateAttr("extraIdType", "caseType")
			x.SetText(g.spec.CaseType)
		}
		if g.spec.Class != "" {
			a.CreateElement("classification").CreateAttr("classificationCode", g.spec.Class)
		}
		a.CreateElement("title").SetText(title)
		a.CreateElement("status").CreateAttr("value", "closed")
		if g.spec.Closed != "" {
			dt := a.CreateElement("dates").CreateElement("date")
			dt.CreateAttr("dateType", "closed")
			dt.SetText(g.spec.Closed + "T00:00:00")
		}
		for d := 0; d < g.spec.Files; d++ {
			f := g.docs[cs*g.spec.Files+d]
			r := a.CreateElement("record")
			r.CreateAttr("systemIdentifier", uuid.NewSHA1(uuid.NameSpaceOID, []byte(g.spec.ID+f.path)).String())
			r.CreateAttr("recordType", cmp.Or(g.spec.DocType, "document"))
			r.CreateElement("objectId").SetText(fmt.Sprintf("%s-%d", dnr, d+1))
			r.CreateElement("title").SetText(fmt.Sprintf("Handling %d i %s", d+1, dnr))
			r.CreateElement("description").SetText("Fil: " + f.path[strings.LastIndexByte(f.path, '/')+1:])
		}
	}
	return doc
}

func (g *gen) earkMETS() *etree.Document {
	s := g.spec
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	m := doc.CreateElement("mets")
	m.CreateAttr("xmlns", fgs.NSMETS)
	m.CreateAttr("xmlns:csip", fgs.NSCSIP)
	m.CreateAttr("xmlns:sip", fgs.NSSIP)
	m.CreateAttr("xmlns:xlink", fgs.NSXLink)
	m.CreateAttr("xmlns:xsi", fgs.NSXSI)
	m.CreateAttr("xsi:schemaLocation", "http://www.loc.gov/METS/ schemas/mets.xsd http://www.w3.org/1999/xlink schemas/xlink.xsd https://DILCIS.eu/XML/METS/CSIPExtensionMETS schemas/DILCISExtensionMETS.xsd https://DILCIS.eu/XML/METS/SIPExtensionMETS schemas/DILCISExtensionSIPMETS.xsd")
	m.CreateAttr("OBJID", s.ID)
	m.CreateAttr("LABEL", fmt.Sprintf("Avslutade ärenden från %s", s.OrgName))
	m.CreateAttr("TYPE", "Mixed")
	m.CreateAttr("csip:CONTENTINFORMATIONTYPE", "citserms_v2_1")
	m.CreateAttr("PROFILE", fgs.ProfileSIP)
	h := m.CreateElement("metsHdr")
	h.CreateAttr("CREATEDATE", g.created())
	h.CreateAttr("LASTMODDATE", g.created())
	h.CreateAttr("RECORDSTATUS", "NEW")
	h.CreateAttr("csip:OAISPACKAGETYPE", "SIP")
	agent := func(role, otherRole, typ, otherType, name, noteType, note string) {
		a := h.CreateElement("agent")
		a.CreateAttr("ROLE", role)
		if otherRole != "" {
			a.CreateAttr("OTHERROLE", otherRole)
		}
		a.CreateAttr("TYPE", typ)
		if otherType != "" {
			a.CreateAttr("OTHERTYPE", otherType)
		}
		a.CreateElement("name").SetText(name)
		if note != "" {
			n := a.CreateElement("note")
			n.CreateAttr("csip:NOTETYPE", noteType)
			n.SetText(note)
		}
	}
	agent("CREATOR", "", "OTHER", "SOFTWARE", "earkiv sample generator", "SOFTWARE VERSION", "1.0")
	agent("CREATOR", "", "ORGANIZATION", "", s.OrgName, "IDENTIFICATIONCODE", s.OrgID)
	agent("OTHER", "SUBMITTER", "ORGANIZATION", "", s.OrgName, "IDENTIFICATIONCODE", s.OrgID)
	agent("PRESERVATION", "", "ORGANIZATION", "", s.OrgName+" arkivmyndighet", "IDENTIFICATIONCODE", s.OrgID)
	alt := h.CreateElement("altRecordID")
	alt.CreateAttr("TYPE", "SUBMISSIONAGREEMENT")
	alt.SetText("LÖ-" + s.OrgID + "-ärendehantering")

	dmd := m.CreateElement("dmdSec")
	dmd.CreateAttr("ID", "ID-dmd-erms")
	dmd.CreateAttr("CREATED", g.created())
	dmd.CreateAttr("STATUS", "CURRENT")
	g.mdRef(dmd, g.meta[0], "OTHER", "CITS ERMS")
	amd := m.CreateElement("amdSec")
	dp := amd.CreateElement("digiprovMD")
	dp.CreateAttr("ID", "ID-digiprov-premis")
	dp.CreateAttr("STATUS", "CURRENT")
	g.mdRef(dp, g.meta[1], "PREMIS", "")

	fsec := m.CreateElement("fileSec")
	fsec.CreateAttr("ID", "ID-fileSec")
	docGrp := fsec.CreateElement("fileGrp")
	docGrp.CreateAttr("ID", "ID-fileGrp-documentation")
	docGrp.CreateAttr("USE", "Documentation")
	g.fileElem(docGrp, g.doc, g.doc.path)
	var schemaGrp *etree.Element
	if len(g.schem) > 0 {
		schemaGrp = fsec.CreateElement("fileGrp")
		schemaGrp.CreateAttr("ID", "ID-fileGrp-schemas")
		schemaGrp.CreateAttr("USE", "Schemas")
		for _, f := range g.schem {
			g.fileElem(schemaGrp, f, f.path)
		}
	}
	rep := fsec.CreateElement("fileGrp")
	rep.CreateAttr("ID", "ID-fileGrp-rep1")
	rep.CreateAttr("USE", "Representations/rep1")
	rep.CreateAttr("csip:CONTENTINFORMATIONTYPE", "citserms_v2_1")
	for _, f := range g.docs {
		fe := g.fileElem(rep, f, f.path)
		fe.CreateAttr("sip:FILEFORMATNAME", "Plain text")
		fe.CreateAttr("sip:FILEFORMATVERSION", "1")
		fe.CreateAttr("sip:FILEFORMATREGISTRY", "PRONOM")
		fe.CreateAttr("sip:FILEFORMATKEY", "x-fmt/111")
	}

	sm := m.CreateElement("structMap")
	sm.CreateAttr("ID", "ID-structMap")
	sm.CreateAttr("TYPE", "PHYSICAL")
	sm.CreateAttr("LABEL", "CSIP")
	main := sm.CreateElement("div")
	main.CreateAttr("ID", "ID-div-main")
	main.CreateAttr("LABEL", s.ID)
	md := main.CreateElement("div")
	md.CreateAttr("ID", "ID-div-metadata")
	md.CreateAttr("LABEL", "Metadata")
	md.CreateAttr("ADMID", "ID-digiprov-premis")
	md.CreateAttr("DMDID", "ID-dmd-erms")
	dd := main.CreateElement("div")
	dd.CreateAttr("ID", "ID-div-documentation")
	dd.CreateAttr("LABEL", "Documentation")
	dd.CreateElement("fptr").CreateAttr("FILEID", "ID-fileGrp-documentation")
	if schemaGrp != nil {
		sd := main.CreateElement("div")
		sd.CreateAttr("ID", "ID-div-schemas")
		sd.CreateAttr("LABEL", "Schemas")
		sd.CreateElement("fptr").CreateAttr("FILEID", "ID-fileGrp-schemas")
	}
	rd := main.CreateElement("div")
	rd.CreateAttr("ID", "ID-div-representations")
	rd.CreateAttr("LABEL", "Representations")
	rd.CreateElement("fptr").CreateAttr("FILEID", "ID-fileGrp-rep1")
	return doc
}

func (g *gen) mdRef(parent *etree.Element, f file, mdtype, other string) {
	r := parent.CreateElement("mdRef")
	r.CreateAttr("LOCTYPE", "URL")
	r.CreateAttr("xlink:type", "simple")
	r.CreateAttr("xlink:href", f.path)
	r.CreateAttr("MDTYPE", mdtype)
	if other != "" {
		r.CreateAttr("OTHERMDTYPE", other)
	}
	g.fixityAttrs(r, f)
}

// fixityAttrs records a file's type, size, creation time and checksum, as METS
// file and mdRef elements both carry them.
func (g *gen) fixityAttrs(e *etree.Element, f file) {
	e.CreateAttr("MIMETYPE", f.mime)
	e.CreateAttr("SIZE", fmt.Sprint(f.size))
	e.CreateAttr("CREATED", g.created())
	e.CreateAttr("CHECKSUM", f.sum)
	e.CreateAttr("CHECKSUMTYPE", string(g.spec.Checksum))
}

func (g *gen) fileElem(grp *etree.Element, f file, href string) *etree.Element {
	fe := grp.CreateElement("file")
	fe.CreateAttr("ID", f.id)
	g.fixityAttrs(fe, f)
	fl := fe.CreateElement("FLocat")
	fl.CreateAttr("LOCTYPE", "URL")
	fl.CreateAttr("xlink:type", "simple")
	fl.CreateAttr("xlink:href", href)
	return fe
}

package samplegen

import (
	"fmt"
	"strings"

	"github.com/beevik/etree"

	"github.com/earkiv/earkiv/internal/fgs"
)

func (g *gen) fgsMetadata() error {
	if err := g.addMeta("content/arendehantering.xml", g.arendehantering()); err != nil {
		return err
	}
	return g.addMeta("metadata/premis.xml", g.premis())
}

// arendehantering builds FGS Ärendehantering 1.0 content: a Leveransobjekt with one
// ArkivobjektArende per case and one ArkivobjektHandling per document, whose Bilaga
// points at the file.
func (g *gen) arendehantering() *etree.Document {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	l := doc.CreateElement("Leveransobjekt")
	l.CreateAttr("xmlns", fgs.NSFGSERM)
	l.CreateElement("ArkivbildarStruktur").CreateElement("Arkivbildare").CreateElement("Namn").SetText(g.spec.OrgName)
	list := l.CreateElement("ArkivobjektListaArenden")
	for c := 0; c < g.spec.Cases; c++ {
		dnr, title := g.caseInfo(c)
		a := list.CreateElement("ArkivobjektArende")
		a.CreateElement("ArkivobjektID").SetText(dnr)
		g.optional(a, "ArendeTyp", g.spec.CaseType)
		g.optional(a, "Avslutat", g.spec.Closed)
		g.optional(a, "Klass", g.spec.Class)
		a.CreateElement("Arendemening").SetText(title)
		hl := a.CreateElement("ArkivobjektListaHandlingar")
		for d := 0; d < g.spec.Files; d++ {
			f := g.docs[c*g.spec.Files+d]
			h := hl.CreateElement("ArkivobjektHandling")
			h.CreateElement("ArkivobjektID").SetText(fmt.Sprintf("%s-%d", dnr, d+1))
			g.optional(h, "Handlingstyp", g.spec.DocType)
			h.CreateElement("Rubrik").SetText(fmt.Sprintf("Handling %d i %s", d+1, dnr))
			b := h.CreateElement("Bilaga")
			b.CreateAttr("Namn", f.path[strings.LastIndexByte(f.path, '/')+1:])
			b.CreateAttr("Lank", strings.TrimPrefix(f.path, "content/"))
			b.CreateAttr("Storlek", fmt.Sprint(f.size))
			b.CreateAttr("Mimetyp", f.mime)
		}
	}
	return doc
}

// optional adds element local with text v when v is set.
func (g *gen) optional(parent *etree.Element, local, v string) {
	if v != "" {
		parent.CreateElement(local).SetText(v)
	}
}

func (g *gen) fgsMETS() *etree.Document {
	s := g.spec
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	m := doc.CreateElement("mets:mets")
	m.CreateAttr("xmlns:mets", fgs.NSMETS)
	m.CreateAttr("xmlns:ext", fgs.NSExt)
	m.CreateAttr("xmlns:xlink", fgs.NSXLink)
	m.CreateAttr("xmlns:xsi", fgs.NSXSI)
	m.CreateAttr("xsi:schemaLocation", "http://www.loc.gov/METS/ http://xml.ra.se/e-arkiv/METS/CSPackageMETS.xsd ExtensionMETS http://xml.ra.se/e-arkiv/METS/CSPackageExtensionMETS.xsd")
	m.CreateAttr("OBJID", "UUID:"+s.ID)
	m.CreateAttr("LABEL", fmt.Sprintf("Avslutade ärenden från %s", s.OrgName))
	m.CreateAttr("TYPE", "ERMS")
	m.CreateAttr("PROFILE", fgs.ProfileFGS1)
	m.CreateAttr("ext:CONTENTTYPESPECIFICATION", "FGS Ärendehantering, version 1")
	h := m.CreateElement("mets:metsHdr")
	h.CreateAttr("CREATEDATE", g.created())
	h.CreateAttr("RECORDSTATUS", "NEW")
	h.CreateAttr("ext:OAISSTATUS", "SIP")
	agent := func(role, otherRole, typ, otherType, name, note string) {
		a := h.CreateElement("mets:agent")
		a.CreateAttr("ROLE", role)
		if otherRole != "" {
			a.CreateAttr("OTHERROLE", otherRole)
		}
		a.CreateAttr("TYPE", typ)
		if otherType != "" {
			a.CreateAttr("OTHERTYPE", otherType)
		}
		a.CreateElement("mets:name").SetText(name)
		if note != "" {
			a.CreateElement("mets:note").SetText(note)
		}
	}
	agent("ARCHIVIST", "", "ORGANIZATION", "", s.OrgName, "ORG:"+s.OrgID)
	agent("ARCHIVIST", "", "OTHER", "SOFTWARE", "earkiv sample generator", "")
	agent("CREATOR", "", "ORGANIZATION", "", s.OrgName+", kommunstyrelsen", "ORG:"+s.OrgID)
	agent("OTHER", "PRODUCER", "ORGANIZATION", "", s.OrgName+", kommunstyrelsen", "ORG:"+s.OrgID)
	alt := h.CreateElement("mets:altRecordID")
	alt.CreateAttr("TYPE", "SUBMISSIONAGREEMENT")
	alt.SetText("LÖ-" + s.OrgID + "-ärendehantering")

	fsec := m.CreateElement("mets:fileSec")
	grp := fsec.CreateElement("mets:fileGrp")
	grp.CreateAttr("ID", "ID-fileGrp")
	all := append(append([]file{}, g.meta...), g.docs...)
	for _, f := range all {
		fe := grp.CreateElement("mets:file")
		fe.CreateAttr("ID", f.id)
		g.fixityAttrs(fe, f)
		fl := fe.CreateElement("mets:FLocat")
		fl.CreateAttr("LOCTYPE", "URL")
		fl.CreateAttr("xlink:href", "file:///"+f.path)
		fl.CreateAttr("xlink:type", "simple")
	}
	sm := m.CreateElement("mets:structMap")
	main := sm.CreateElement("mets:div")
	main.CreateAttr("LABEL", s.ID)
	content := main.CreateElement("mets:div")
	content.CreateAttr("LABEL", "content")
	meta := main.CreateElement("mets:div")
	meta.CreateAttr("LABEL", "metadata")
	for _, f := range all {
		target := content
		if strings.HasPrefix(f.path, "metadata/") {
			target = meta
		}
		target.CreateElement("mets:fptr").CreateAttr("FILEID", f.id)
	}
	return doc
}

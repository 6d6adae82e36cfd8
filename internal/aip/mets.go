package aip

import (
	"fmt"
	"strconv"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"

	"github.com/earkiv/earkiv/internal/fgs"
)

// Event is a PREMIS event of the AIP's history.
type Event struct {
	ID          string
	Type        string // PREMIS eventType (id.loc.gov vocabulary): ingestion, validation, fixity check, ...
	Time        time.Time
	Detail      string
	Outcome     string // success or failure
	OutcomeNote string
	Agents      []string // agent ids
	Objects     []string // object identifier values (AIP paths; the AIP id for the whole package)
}

// Agent is a PREMIS agent.
type Agent struct {
	ID      string
	Name    string
	Type    string // software, organization
	Version string
}

// NewEvent fills in an id and time.
func NewEvent(typ, detail, outcome, note string, at time.Time) Event {
	return Event{ID: uuid.NewString(), Type: typ, Time: at.UTC(), Detail: detail, Outcome: outcome, OutcomeNote: note}
}

const (
	premisSchema = "http://www.loc.gov/premis/v3 http://www.loc.gov/standards/premis/v3/premis.xsd"
	metsSchema   = "http://www.loc.gov/METS/ http://www.loc.gov/standards/mets/mets.xsd http://www.w3.org/1999/xlink http://www.loc.gov/standards/mets/xlink.xsd https://DILCIS.eu/XML/METS/CSIPExtensionMETS https://earkcsip.dilcis.eu/schema/DILCISExtensionMETS.xsd"
	idTypePath   = "earkiv AIP path"
)

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// PREMIS writes the AIP's preservation metadata: the package as an
// intellectual entity, each stored file with its SHA-256, the events and the
// agents.
func PREMIS(m *Manifest, events []Event, agents []Agent) ([]byte, error) {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	root := doc.CreateElement("premis:premis")
	root.CreateAttr("xmlns:premis", fgs.NSPREMIS)
	root.CreateAttr("xmlns:xsi", fgs.NSXSI)
	root.CreateAttr("xsi:schemaLocation", premisSchema)
	root.CreateAttr("version", "3.0")

	ie := root.CreateElement("premis:object")
	ie.CreateAttr("xsi:type", "premis:intellectualEntity")
	identifier(ie, "premis:objectIdentifier", "UUID", m.AIPID)
	if m.PackageID != "" {
		identifier(ie, "premis:objectIdentifier", "package id (METS OBJID)", m.PackageID)
	}
	for _, o := range m.Objects {
		if o.Role == RolePREMIS {
			continue // a document cannot carry its own digest
		}
		f := root.CreateElement("premis:object")
		f.CreateAttr("xsi:type", "premis:file")
		identifier(f, "premis:objectIdentifier", idTypePath, o.Path)
		oc := f.CreateElement("premis:objectCharacteristics")
		oc.CreateElement("premis:compositionLevel").SetText("0")
		fx := oc.CreateElement("premis:fixity")
		fx.CreateElement("premis:messageDigestAlgorithm").SetText("SHA-256")
		fx.CreateElement("premis:messageDigest").SetText(o.SHA256)
		fx.CreateElement("premis:messageDigestOriginator").SetText("earkiv")
		oc.CreateElement("premis:size").SetText(strconv.FormatInt(o.Size, 10))
		fd := oc.CreateElement("premis:format").CreateElement("premis:formatDesignation")
		mime := o.MIME
		if mime == "" {
			mime = "application/octet-stream"
		}
		fd.CreateElement("premis:formatName").SetText(mime)
		if o.Role == RoleSubmission {
			f.CreateElement("premis:originalName").SetText(o.Path[len("submission/"):])
		}
		rel := f.CreateElement("premis:relationship")
		rel.CreateElement("premis:relationshipType").SetText("structural")
		rel.CreateElement("premis:relationshipSubType").SetText("is included in")
		identifier(rel, "premis:relatedObjectIdentifier", "UUID", m.AIPID)
	}
	for _, e := range events {
		ev := root.CreateElement("premis:event")
		identifier(ev, "premis:eventIdentifier", "UUID", e.ID)
		ev.CreateElement("premis:eventType").SetText(e.Type)
		ev.CreateElement("premis:eventDateTime").SetText(ts(e.Time))
		if e.Detail != "" {
			ev.CreateElement("premis:eventDetailInformation").CreateElement("premis:eventDetail").SetText(e.Detail)
		}
		oi := ev.CreateElement("premis:eventOutcomeInformation")
		oi.CreateElement("premis:eventOutcome").SetText(e.Outcome)
		if e.OutcomeNote != "" {
			oi.CreateElement("premis:eventOutcomeDetail").CreateElement("premis:eventOutcomeDetailNote").SetText(e.OutcomeNote)
		}
		for _, a := range e.Agents {
			identifier(ev, "premis:linkingAgentIdentifier", "local", a)
		}
		objs := e.Objects
		if len(objs) == 0 {
			objs = []string{m.AIPID}
		}
		for _, o := range objs {
			typ := idTypePath
			if o == m.AIPID {
				typ = "UUID"
			}
			identifier(ev, "premis:linkingObjectIdentifier", typ, o)
		}
	}
	for _, a := range agents {
		ag := root.CreateElement("premis:agent")
		identifier(ag, "premis:agentIdentifier", "local", a.ID)
		ag.CreateElement("premis:agentName").SetText(a.Name)
		ag.CreateElement("premis:agentType").SetText(a.Type)
		if a.Version != "" {
			ag.CreateElement("premis:agentVersion").SetText(a.Version)
		}
	}
	doc.Indent(1)
	return doc.WriteToBytes()
}

// EventLogKey is where a later event log of an AIP goes (audits, repairs):
// AIP objects are under Object Lock, so history is added, never rewritten.
func EventLogKey(aipID, kind, id string) string { return aipID + "/events/" + kind + "-" + id + ".xml" }

// EventLog writes a PREMIS document with events about an AIP's objects.
func EventLog(aipID string, events []Event, agents []Agent) ([]byte, error) {
	return PREMIS(&Manifest{AIPID: aipID}, events, agents)
}

// identifier adds <name><nameType/><nameValue/></name>, PREMIS's pattern for
// every kind of identifier (objectIdentifier -> objectIdentifierType, ...).
func identifier(parent *etree.Element, name, typ, value string) {
	e := parent.CreateElement(name)
	switch name {
	case "premis:relatedObjectIdentifier":
		e.CreateElement("premis:relatedObjectIdentifierType").SetText(typ)
		e.CreateElement("premis:relatedObjectIdentifierValue").SetText(value)
	default:
		e.CreateElement(name + "Type").SetText(typ)
		e.CreateElement(name + "Value").SetText(value)
	}
}

// METS writes the AIP METS: an E-ARK CSIP document with OAISPACKAGETYPE=AIP
// listing the submitted files (fileGrp "Submission") and the PREMIS file,
// each with size and SHA-256.
func METS(m *Manifest, tenantName, orgNumber, version string) ([]byte, error) {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	root := doc.CreateElement("mets:mets")
	root.CreateAttr("xmlns:mets", fgs.NSMETS)
	root.CreateAttr("xmlns:csip", fgs.NSCSIP)
	root.CreateAttr("xmlns:xlink", fgs.NSXLink)
	root.CreateAttr("xmlns:xsi", fgs.NSXSI)
	root.CreateAttr("xsi:schemaLocation", metsSchema)
	root.CreateAttr("OBJID", m.AIPID)
	if m.Label != "" {
		root.CreateAttr("LABEL", m.Label)
	}
	root.CreateAttr("TYPE", "Mixed")
	root.CreateAttr("csip:CONTENTINFORMATIONTYPE", "OTHER")
	ct := m.ContentType
	if ct == "" {
		ct = m.Family
	}
	root.CreateAttr("csip:OTHERCONTENTINFORMATIONTYPE", ct)
	root.CreateAttr("PROFILE", "https://earkcsip.dilcis.eu/profile/E-ARK-CSIP.xml")

	hdr := root.CreateElement("mets:metsHdr")
	hdr.CreateAttr("CREATEDATE", ts(m.Created))
	hdr.CreateAttr("RECORDSTATUS", "NEW")
	hdr.CreateAttr("csip:OAISPACKAGETYPE", "AIP")
	sw := hdr.CreateElement("mets:agent")
	sw.CreateAttr("ROLE", "CREATOR")
	sw.CreateAttr("TYPE", "OTHER")
	sw.CreateAttr("OTHERTYPE", "SOFTWARE")
	sw.CreateElement("mets:name").SetText("earkiv")
	n := sw.CreateElement("mets:note")
	n.CreateAttr("csip:NOTETYPE", "SOFTWARE VERSION")
	n.SetText(version)
	org := hdr.CreateElement("mets:agent")
	org.CreateAttr("ROLE", "PRESERVATION")
	org.CreateAttr("TYPE", "ORGANIZATION")
	org.CreateElement("mets:name").SetText(tenantName)
	on := org.CreateElement("mets:note")
	on.CreateAttr("csip:NOTETYPE", "IDENTIFICATIONCODE")
	on.SetText(orgNumber)
	alt := hdr.CreateElement("mets:altRecordID")
	alt.CreateAttr("TYPE", "SUBMISSIONPACKAGEID")
	alt.SetText(m.PackageID)

	var premis *Object
	for i := range m.Objects {
		if m.Objects[i].Role == RolePREMIS {
			premis = &m.Objects[i]
		}
	}
	if premis == nil {
		return nil, fmt.Errorf("aip METS: no PREMIS object in the manifest")
	}
	amd := root.CreateElement("mets:amdSec")
	dp := amd.CreateElement("mets:digiprovMD")
	dp.CreateAttr("ID", "digiprov-premis")
	dp.CreateAttr("STATUS", "CURRENT")
	ref := dp.CreateElement("mets:mdRef")
	ref.CreateAttr("LOCTYPE", "URL")
	ref.CreateAttr("xlink:type", "simple")
	ref.CreateAttr("xlink:href", premis.Path)
	ref.CreateAttr("MDTYPE", "PREMIS")
	ref.CreateAttr("MIMETYPE", "text/xml")
	ref.CreateAttr("SIZE", strconv.FormatInt(premis.Size, 10))
	ref.CreateAttr("CREATED", ts(m.Created))
	ref.CreateAttr("CHECKSUM", premis.SHA256)
	ref.CreateAttr("CHECKSUMTYPE", "SHA-256")

	fsec := root.CreateElement("mets:fileSec")
	fsec.CreateAttr("ID", "filesec-1")
	grp := fsec.CreateElement("mets:fileGrp")
	grp.CreateAttr("ID", "filegrp-submission")
	grp.CreateAttr("USE", "Submission")
	var ids []string
	for i, o := range m.Objects {
		if o.Role != RoleSubmission {
			continue
		}
		id := "file-" + strconv.Itoa(i+1)
		ids = append(ids, id)
		f := grp.CreateElement("mets:file")
		f.CreateAttr("ID", id)
		mime := o.MIME
		if mime == "" {
			mime = "application/octet-stream"
		}
		f.CreateAttr("MIMETYPE", mime)
		f.CreateAttr("SIZE", strconv.FormatInt(o.Size, 10))
		f.CreateAttr("CREATED", ts(m.Created))
		f.CreateAttr("CHECKSUM", o.SHA256)
		f.CreateAttr("CHECKSUMTYPE", "SHA-256")
		fl := f.CreateElement("mets:FLocat")
		fl.CreateAttr("LOCTYPE", "URL")
		fl.CreateAttr("xlink:type", "simple")
		fl.CreateAttr("xlink:href", o.Path)
	}
	sm := root.CreateElement("mets:structMap")
	sm.CreateAttr("ID", "structmap-1")
	sm.CreateAttr("TYPE", "PHYSICAL")
	sm.CreateAttr("LABEL", "CSIP")
	top := sm.CreateElement("mets:div")
	top.CreateAttr("ID", "div-aip")
	top.CreateAttr("LABEL", m.AIPID)
	md := top.CreateElement("mets:div")
	md.CreateAttr("ID", "div-metadata")
	md.CreateAttr("LABEL", "Metadata")
	md.CreateAttr("ADMID", "digiprov-premis")
	sd := top.CreateElement("mets:div")
	sd.CreateAttr("ID", "div-submission")
	sd.CreateAttr("LABEL", "Submission")
	for _, id := range ids {
		sd.CreateElement("mets:fptr").CreateAttr("FILEID", id)
	}
	doc.Indent(1)
	return doc.WriteToBytes()
}

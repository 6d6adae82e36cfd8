package rules

import (
	"strings"

	"github.com/beevik/etree"

	"github.com/earkiv/earkiv/internal/fgs"
)

// FGS1Rules are the FGS Paketstruktur 1.x requirements (Riksarkivet's
// CommonSpecificationSwedenPackageProfile) that CSPackageMETS.xsd does not enforce.
// Ids are earkiv's own; the profile document itself has no requirement ids.
var FGS1Rules = []Rule{
	{"FGS1-OBJID", must, FGS1, "mets/@OBJID must identify the package", Each("mets", Present("OBJID"))},
	{"FGS1-PROFILE", must, FGS1, "mets/@PROFILE must be Riksarkivet's CommonSpecificationSwedenPackageProfile", Each("mets", func(_ *Ctx, e *etree.Element) string {
		if !strings.Contains(fgs.A(e, "PROFILE"), "CommonSpecificationSwedenPackageProfile") {
			return "mets/@PROFILE '" + fgs.A(e, "PROFILE") + "' is not an FGS 1.x profile"
		}
		return ""
	})},
	{"FGS1-TYPE", must, FGS1, "mets/@TYPE must give the content type (e.g. ERMS, Personnel, Unstructured)", Each("mets", Present("TYPE"))},
	{"FGS1-HDR", must, FGS1, "mets/metsHdr/@CREATEDATE must record when the package was made", Each("mets/metsHdr", Present("CREATEDATE"))},
	{"FGS1-HDR", must, FGS1, "mets/metsHdr must exist", Exists("mets/metsHdr", 1, 1)},
	{"FGS1-OAISSTATUS", should, FGS1, "metsHdr/@ext:OAISSTATUS should be 'SIP' for a delivery", Each("mets/metsHdr", func(_ *Ctx, e *etree.Element) string {
		if v, ok := fgs.Attr(e, "ext:OAISSTATUS"); ok && v != "SIP" {
			return "ext:OAISSTATUS is '" + v + "'; a delivery is a SIP"
		}
		return ""
	})},
	{"FGS1-ARCHIVIST", must, FGS1, "metsHdr must name the archive authority: agent ROLE='ARCHIVIST' TYPE='ORGANIZATION' with a name", agentNeeded("ARCHIVIST", "", "ORGANIZATION")},
	{"FGS1-CREATOR", must, FGS1, "metsHdr must name the archival creator: agent ROLE='CREATOR' TYPE='ORGANIZATION' with a name", agentNeeded("CREATOR", "", "ORGANIZATION")},
	{"FGS1-SOFTWARE", should, FGS1, "metsHdr should name the software that made the package: agent TYPE='OTHER' OTHERTYPE='SOFTWARE'", func(c *Ctx, emit func(*etree.Element, string)) {
		if len(Sel(c.Root, "mets/metsHdr/agent[@TYPE='OTHER'][@OTHERTYPE='SOFTWARE']")) == 0 {
			emit(nil, "")
		}
	}},
	{"FGS1-SUBMITTER", should, FGS1, "metsHdr should name the producer: agent ROLE='OTHER' OTHERROLE='PRODUCER' (or SUBMITTER)", func(c *Ctx, emit func(*etree.Element, string)) {
		if len(Sel(c.Root, "mets/metsHdr/agent[@ROLE='OTHER'][@OTHERROLE='PRODUCER']"))+len(Sel(c.Root, "mets/metsHdr/agent[@ROLE='OTHER'][@OTHERROLE='SUBMITTER']")) == 0 {
			emit(nil, "")
		}
	}},
	{"FGS1-SA", must, FGS1, "metsHdr/altRecordID[@TYPE='SUBMISSIONAGREEMENT'] must reference the submission agreement (leveransöverenskommelse)", func(c *Ctx, emit func(*etree.Element, string)) {
		for _, a := range Sel(c.Root, "mets/metsHdr/altRecordID[@TYPE='SUBMISSIONAGREEMENT']") {
			if fgs.Text(a) != "" {
				return
			}
		}
		emit(nil, "")
	}},
	{"FGS1-FILESEC", must, FGS1, "mets/fileSec must list the package's files", Exists("mets/fileSec/fileGrp/file", 1, -1)},
	{"FGS1-FILE", must, FGS1, "every file must have @ID, @MIMETYPE, @SIZE, @CREATED, @CHECKSUM and @CHECKSUMTYPE", Each("mets/fileSec/fileGrp/file", All(Present("ID"), mimeTest("MIMETYPE"), Present("SIZE"), Present("CREATED"), Present("CHECKSUM"), Present("CHECKSUMTYPE")))},
	{"FGS1-FLOCAT", must, FGS1, "every file must have one FLocat with LOCTYPE='URL', xlink:type='simple' and xlink:href", Each("mets/fileSec/fileGrp/file", func(c *Ctx, e *etree.Element) string {
		l := fgs.Kids(e, "FLocat")
		if len(l) != 1 {
			return "file must have exactly one FLocat"
		}
		return All(Is("LOCTYPE", "URL"), Present("xlink:href"))(c, l[0])
	})},
	{"FGS1-STRUCTMAP", must, FGS1, "mets/structMap must have a division", Exists("mets/structMap/div", 1, -1)},
}

func agentNeeded(role, otherRole, typ string) Check {
	return func(c *Ctx, emit func(*etree.Element, string)) {
		for _, a := range Sel(c.Root, "mets/metsHdr/agent[@ROLE='"+role+"'][@TYPE='"+typ+"']") {
			if fgs.Text(fgs.Kid(a, "name")) != "" {
				return
			}
		}
		emit(fgs.Kid(c.Root, "metsHdr"), "")
	}
}

// CommonRules hold for every METS document whatever its family.
var CommonRules = []Rule{
	{"METS-IDREF", must, CSIP | FGS1, "every ID reference (FILEID, ADMID, DMDID) must point at an element of the document", func(c *Ctx, emit func(*etree.Element, string)) {
		ids := allIDs(c)
		for _, e := range c.Root.FindElements("//*") {
			for _, attr := range []string{"FILEID", "ADMID", "DMDID"} {
				for _, id := range strings.Fields(fgs.A(e, attr)) {
					if !ids[id] {
						emit(e, e.Tag+"/@"+attr+" references '"+id+"', which no element has as @ID")
					}
				}
			}
		}
	}},
}

// Table returns the complete table, in evaluation order.
func Table() []Rule {
	var t []Rule
	t = append(t, CommonRules...)
	t = append(t, CSIPRules...)
	t = append(t, SIPRules...)
	t = append(t, FGS1Rules...)
	return t
}

package rules

import (
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/earkiv/earkiv/internal/fgs"
)

// parseTime accepts the xs:dateTime and xs:date forms METS dates come in.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// altRecord checks a metsHdr/altRecordID type: present, with text, at most max times.
func altRecord(typ string, max int) Check {
	return Each("mets/metsHdr", func(_ *Ctx, e *etree.Element) string {
		n := 0
		for _, a := range fgs.Kids(e, "altRecordID") {
			if fgs.A(a, "TYPE") != typ {
				continue
			}
			n++
			if fgs.Text(a) == "" {
				return "altRecordID of TYPE " + typ + " has no text"
			}
		}
		switch {
		case n == 0:
			return "no altRecordID of TYPE " + typ
		case max > 0 && n > max:
			return "more than one altRecordID of TYPE " + typ
		}
		return ""
	})
}

func sipAttr(id, attr string) []Rule {
	path := "mets/fileSec/fileGrp/file"
	return []Rule{
		{id, may, SIP, "file/@" + attr + " may name the file format", Each(path, func(_ *Ctx, e *etree.Element) string {
			if _, ok := fgs.Attr(e, attr); !ok {
				return "!"
			}
			return ""
		})},
		{id, should, SIP, "file/@" + attr + ", when given, should not be empty", Each(path, func(_ *Ctx, e *etree.Element) string {
			if v, ok := fgs.Attr(e, attr); ok && strings.TrimSpace(v) == "" {
				return "@" + attr + " is empty"
			}
			return ""
		})},
	}
}

// SIPRules are the E-ARK SIP 2.x requirements on top of CSIP.
var SIPRules = func() []Rule {
	r := []Rule{
		{"SIP1", may, SIP, "mets/@LABEL may give a short name of the package", Each("mets", Present("LABEL"))},
		{"SIP2", must, SIP, "mets/@PROFILE must be " + fgs.ProfileSIP, Each("mets", func(_ *Ctx, e *etree.Element) string {
			p := fgs.A(e, "PROFILE")
			if p == fgs.ProfileSIP || strings.HasPrefix(p, "https://earksip.dilcis.eu/profile/") {
				return ""
			}
			return "mets/@PROFILE is '" + p + "'; a submission must use " + fgs.ProfileSIP
		})},
		{"SIP3", may, SIP, "metsHdr/@RECORDSTATUS may give the package status (NEW, SUPPLEMENT, REPLACEMENT, TEST, VERSION, DELETE, OTHER)", Each("mets/metsHdr", InVocab("RECORDSTATUS", VRecordStatus, true))},
		{"SIP4", must, SIP, "metsHdr/@csip:OAISPACKAGETYPE must be 'SIP'", Each("mets/metsHdr", Is("csip:OAISPACKAGETYPE", "SIP"))},
		{"SIP5", may, SIP, "metsHdr/altRecordID[@TYPE='SUBMISSIONAGREEMENT'] may reference the submission agreement (once)", altRecord("SUBMISSIONAGREEMENT", 1)},
		{"SIP6", may, SIP, "metsHdr/altRecordID[@TYPE='PREVIOUSSUBMISSIONAGREEMENT'] may reference earlier agreements", altRecord("PREVIOUSSUBMISSIONAGREEMENT", 0)},
		{"SIP7", may, SIP, "metsHdr/altRecordID[@TYPE='REFERENCECODE'] may give the archival reference code (once)", altRecord("REFERENCECODE", 1)},
		{"SIP8", may, SIP, "metsHdr/altRecordID[@TYPE='PREVIOUSREFERENCECODE'] may give earlier reference codes", altRecord("PREVIOUSREFERENCECODE", 0)},
		{"SIP10", must, SIP, "every metsHdr/agent must have @ROLE", Each("mets/metsHdr/agent", Present("ROLE"))},
		{"SIP11", must, SIP, "an archival creator agent must be ORGANIZATION or INDIVIDUAL", Each("mets/metsHdr/agent[@ROLE='CREATOR'][not(@OTHERTYPE)]", Is("TYPE", "ORGANIZATION", "INDIVIDUAL"))},
		{"SIP14", must, SIP, "an archival creator's note must have @csip:NOTETYPE='IDENTIFICATIONCODE'", Each("mets/metsHdr/agent[@ROLE='CREATOR'][@TYPE='ORGANIZATION']/note", Is("csip:NOTETYPE", "IDENTIFICATIONCODE"))},
		{"SIP16", must, SIP, "the submitting agent must have @ROLE='OTHER' with @OTHERROLE='SUBMITTER'", Each("mets/metsHdr/agent[@OTHERROLE='SUBMITTER']", Is("ROLE", "OTHER"))},
		{"SIP17", must, SIP, "the submitting agent must be ORGANIZATION or INDIVIDUAL", Each("mets/metsHdr/agent[@OTHERROLE='SUBMITTER']", Is("TYPE", "ORGANIZATION", "INDIVIDUAL"))},
		{"SIP20", must, SIP, "the submitting agent's note must have @csip:NOTETYPE='IDENTIFICATIONCODE'", Each("mets/metsHdr/agent[@OTHERROLE='SUBMITTER'][@TYPE='ORGANIZATION']/note", Is("csip:NOTETYPE", "IDENTIFICATIONCODE"))},
		{"SIP24", must, SIP, "a contact person agent must have a name", Each("mets/metsHdr/agent[@ROLE='CREATOR'][@TYPE='INDIVIDUAL']", KidCount("name", 1, 1))},
		{"SIP28", must, SIP, "the preservation agent must be an ORGANIZATION", Each("mets/metsHdr/agent[@ROLE='PRESERVATION']", Is("TYPE", "ORGANIZATION"))},
		{"SIP31", must, SIP, "the preservation agent's note must have @csip:NOTETYPE='IDENTIFICATIONCODE'", Each("mets/metsHdr/agent[@ROLE='PRESERVATION']/note", Is("csip:NOTETYPE", "IDENTIFICATIONCODE"))},
	}
	r = append(r, sipAttr("SIP32", "sip:FILEFORMATNAME")...)
	r = append(r, sipAttr("SIP33", "sip:FILEFORMATVERSION")...)
	r = append(r, sipAttr("SIP34", "sip:FILEFORMATREGISTRY")...)
	r = append(r, sipAttr("SIP35", "sip:FILEFORMATKEY")...)
	return r
}()

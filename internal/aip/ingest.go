package aip

import (
	"fmt"
	"time"
)

// Ingest is what an AIP's PREMIS tells of the ingest that made it beyond
// what its manifest holds.
type Ingest struct {
	Name, Format     string  // the submission as received
	TenantName       string  // the archive authority
	OrgNumber        string  // its organisation number
	ProducerSoftware *string // the software the package names as its maker; nil if none
	Version          string  // earkiv's
	Warnings         int     // validation's
	Lock             string  // the Object Lock, in words
	Started, Stored  time.Time
}

// IngestEvents are the PREMIS events and agents of the ingest of m: the
// submission received, validated, its checksums compared, its digests
// computed, and the AIP stored under its lock. earkiv is an agent of
// every event.
func IngestEvents(m *Manifest, in Ingest) ([]Event, []Agent) {
	agents := []Agent{{ID: "earkiv", Name: "earkiv", Type: "software", Version: in.Version},
		{ID: "org:" + in.OrgNumber, Name: in.TenantName, Type: "organization"}}
	if in.ProducerSoftware != nil {
		agents = append(agents, Agent{ID: "producer-software", Name: *in.ProducerSoftware, Type: "software"})
	}
	ev := func(typ, detail, note string, at time.Time, agentIDs ...string) Event {
		e := NewEvent(typ, detail, "success", note, at)
		e.Agents = append([]string{"earkiv"}, agentIDs...)
		return e
	}
	events := []Event{
		ev("ingestion", fmt.Sprintf("submission %s (%s, %s) received from %s's producer", m.SubmissionID, in.Name, in.Format, m.Tenant), "", in.Started, "org:"+in.OrgNumber),
		ev("validation", fmt.Sprintf("validated as %s (%s) against the official schemas and earkiv's rule tables", m.Family, m.Profile),
			fmt.Sprintf("valid; %d warnings", in.Warnings), in.Started),
		ev("fixity check", "checksums declared in the METS compared with the submitted bytes", fmt.Sprintf("%d files agree", m.Files), in.Started),
		ev("message digest calculation", "SHA-256 computed for every file while validating and again while storing", "", in.Stored),
		ev("accession", fmt.Sprintf("stored in bucket %s with Object Lock %s", m.Bucket, in.Lock), fmt.Sprintf("%d objects, %d bytes", m.Files, m.Bytes), in.Stored),
	}
	return events, agents
}

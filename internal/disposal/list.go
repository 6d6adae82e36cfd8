package disposal

import (
	"fmt"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/ihp"
)

// State is where a list is in its life.
type State string

// The states, as the archivist reads them.
const (
	Proposed  State = "föreslagen"
	Attested  State = "attesterad"
	Executing State = "verkställs"
	Done      State = "verkställd"
	Cancelled State = "avbruten"
)

// Filter is how the proposer chose the due records.
type Filter struct {
	Class   string `json:"class,omitempty"`   // classification prefix, by dot segments
	Rule    string `json:"rule,omitempty"`    // one rule of the plan
	Before  string `json:"before,omitempty"`  // disposal date on or before (default: today)
	Creator string `json:"creator,omitempty"` // arkivbildare
}

// String says the filter in Swedish, for the protocol's scope.
func (f Filter) String() string {
	s := "alla förfallna"
	if f.Class != "" {
		s += ", klass " + f.Class
	}
	if f.Rule != "" {
		s += ", regel " + f.Rule
	}
	if f.Creator != "" {
		s += ", arkivbildare " + f.Creator
	}
	if f.Before != "" {
		s += ", gallringsdatum senast " + f.Before
	}
	return s
}

// Item is one record of a frozen list: a case (Document "") or a document.
type Item struct {
	AIP       string    `json:"aip"`
	PackageID string    `json:"packageId"`
	Case      string    `json:"case"`
	Document  string    `json:"document,omitempty"`
	Creator   string    `json:"creator,omitempty"`
	Class     string    `json:"class,omitempty"`
	Date      string    `json:"date"` // disposal date
	Basis     ihp.Basis `json:"basis"`
	// ManifestSHA256 is the digest of the AIP's manifest when proposed.
	ManifestSHA256 string `json:"manifestSha256"`
}

// Frozen is the list as proposed, written once as an object.
type Frozen struct {
	Format   string    `json:"format"`
	ID       string    `json:"id"`
	Tenant   string    `json:"tenant"`
	Proposer string    `json:"proposer"`
	Proposed time.Time `json:"proposed"`
	Filter   Filter    `json:"filter"`
	Items    []Item    `json:"items"`
}

// FrozenFormat names the frozen list's format.
const FrozenFormat = "earkiv-gallringslista/1"

// Exclusion takes an AIP's records out of a list before attest: kept
// after all (bevaras) or postponed to a date.
type Exclusion struct {
	AIP      string    `json:"aip"`
	Reason   string    `json:"reason"`
	Postpone string    `json:"postpone,omitempty"` // 2006-01-02; empty: kept
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

// Comment is a person's word on a list: a rejection, a cancellation.
type Comment struct {
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}

// Skip is a record the executor did not dispose of, and why.
type Skip struct {
	AIP      string `json:"aip"`
	Case     string `json:"case"`
	Document string `json:"document,omitempty"`
	Reason   string `json:"reason"`
}

// Disposed is one AIP the executor finished: all of it, or some records.
type Disposed struct {
	AIP            string    `json:"aip"`
	Partial        bool      `json:"partial,omitempty"`
	Objects        int       `json:"objects"`
	Versions       int       `json:"versions"`
	Bytes          int64     `json:"bytes"`
	ManifestSHA256 string    `json:"manifestSha256"`
	Event          string    `json:"premisEvent"`
	At             time.Time `json:"at"`
	// PackageID and Records repeat the tombstone, for the protocol.
	PackageID string           `json:"packageId,omitempty"`
	Records   []aip.TombRecord `json:"records,omitempty"`
}

// List is a gallring list's state.
type List struct {
	ID         string      `json:"id"`
	Tenant     string      `json:"tenant"`
	State      State       `json:"state"`
	Filter     Filter      `json:"filter"`
	Proposer   string      `json:"proposer"`
	Proposed   time.Time   `json:"proposed"`
	Key        string      `json:"key"`    // the frozen list's object key
	SHA256     string      `json:"sha256"` // and its digest
	Items      int         `json:"items"`
	AIPs       int         `json:"aips"`
	Exclusions []Exclusion `json:"exclusions,omitempty"`
	Rejections []Comment   `json:"rejections,omitempty"`
	Attestant  string      `json:"attestant,omitempty"`
	Attested   time.Time   `json:"attested,omitzero"`
	CoolingOff string      `json:"coolingOff,omitempty"` // as the tenant had it at attest
	Executable time.Time   `json:"executable,omitzero"`  // attest + cooling-off
	Cancel     *Comment    `json:"cancelled,omitempty"`
	Started    time.Time   `json:"started,omitzero"`
	Finished   time.Time   `json:"finished,omitzero"`
	// Done and Skipped are the executor's progress, kept per AIP in keys
	// of their own and filled in by Get.
	Done     []Disposed `json:"done,omitempty"`
	Skipped  []Skip     `json:"skipped,omitempty"`
	Protocol string     `json:"protocolAip,omitempty"` // the protocol's AIP
	Error    string     `json:"error,omitempty"`       // the last execution failure, until it goes on
}

// Excluded returns the exclusion of aipID, if any.
func (l *List) Excluded(aipID string) (Exclusion, bool) {
	for _, x := range l.Exclusions {
		if x.AIP == aipID {
			return x, true
		}
	}
	return Exclusion{}, false
}

// CoolingLeft is how long until the list may run, at now.
func (l *List) CoolingLeft(now time.Time) time.Duration {
	if l.State != Attested || !now.Before(l.Executable) {
		return 0
	}
	return l.Executable.Sub(now)
}

// FrozenKey is where list id's frozen items are kept in the bucket.
func FrozenKey(id string) string { return "gallring/" + id + "/lista.json" }

func checkDate(s string) error {
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return fmt.Errorf("%q är inget datum (ÅÅÅÅ-MM-DD)", s)
	}
	return nil
}

package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// FormatV1 names the JSON format of a Protocol, version 1.
const FormatV1 = "earkiv-gallringsprotokoll/1"

// Protocol is the record of one executed disposal list. It holds
// identifiers only: no titles, names of parties or content of what was
// disposed.
type Protocol struct {
	Format     string      `json:"format"`
	ListID     string      `json:"listId"`
	Tenant     string      `json:"tenant"`
	Authority  Party       `json:"arkivmyndighet"`
	Creators   []Party     `json:"arkivbildare"`
	Decisions  []Decision  `json:"beslut"`
	Scope      string      `json:"omfattning"`
	Counts     Counts      `json:"antal"`
	Disposed   []Item      `json:"gallrat"`
	ListSHA256 string      `json:"listaSha256"`
	Excluded   []Exclusion `json:"undantag"`
	Skipped    []Skip      `json:"hoppadeOver"`
	Proposer   Actor       `json:"forslagAv"`
	Attestant  Actor       `json:"attestAv"`
	CoolingOff string      `json:"angerfrist"`
	Started    time.Time   `json:"paborjad"`
	Finished   time.Time   `json:"avslutad"`
	Method     Method      `json:"metod"`
	Generated  time.Time   `json:"upprattad"`
	Software   string      `json:"programvara"`
}

// Party is the archive authority (the municipality) or an archive creator
// (a nämnd).
type Party struct {
	Name      string `json:"namn"`
	OrgNumber string `json:"organisationsnummer,omitempty"`
}

// Decision is one disposal rule of the plan as used by the list.
type Decision struct {
	Rule          string `json:"regel"`
	Decision      string `json:"gallringsbeslut"` // body, dnr, date and § as the plan writes it
	Plan          string `json:"planversion"`
	PlanValidFrom string `json:"planGallerFran,omitempty"`
	Law           string `json:"lagrum,omitempty"`
	Trigger       string `json:"raknasFran"`
	Frist         string `json:"gallringsfrist"`
}

// Counts sums what was disposed.
type Counts struct {
	Cases     int   `json:"arenden"`
	Documents int   `json:"handlingar"`
	Files     int   `json:"filer"`
	Bytes     int64 `json:"byte"`
}

// Item is one disposed case, or one document of a case.
type Item struct {
	AIP            string `json:"aip"`
	PackageID      string `json:"paket"`
	Case           string `json:"diarienummer"`
	Document       string `json:"handling,omitempty"` // empty: the whole case
	Rule           string `json:"regel"`
	DisposalDate   string `json:"gallringsdatum"`
	ManifestSHA256 string `json:"manifestSha256"`
	Objects        int    `json:"objekt"`
	Versions       int    `json:"versioner"`
	Bytes          int64  `json:"byte"`
	PremisEvent    string `json:"premisHandelse"` // event id
	Partial        bool   `json:"delvis,omitempty"`
}

// Exclusion is a case taken off the list before execution: kept, or
// postponed to a later date.
type Exclusion struct {
	AIP       string    `json:"aip"`
	Case      string    `json:"diarienummer"`
	Reason    string    `json:"skal"`
	Postponed string    `json:"uppskjutenTill,omitempty"` // date, or "" for kept (bevaras)
	By        string    `json:"av"`
	At        time.Time `json:"tid"`
}

// Skip is a case or document that was re-checked at execution and not
// disposed, e.g. "gallringsstopp lagt efter attest (hold <id>)".
type Skip struct {
	AIP      string `json:"aip"`
	Case     string `json:"diarienummer"`
	Document string `json:"handling,omitempty"`
	Reason   string `json:"skal"`
}

// Actor is who proposed or attested the list, and when.
type Actor struct {
	ID   string    `json:"id"`
	Name string    `json:"namn,omitempty"`
	At   time.Time `json:"tid"`
}

// Method says how the disposal was carried out.
type Method struct {
	AllVersions bool   `json:"allaVersioner"`
	Replica     bool   `json:"replik"`
	Catalog     bool   `json:"katalog"`
	SearchIndex bool   `json:"sokindex"`
	Text        string `json:"beskrivning"`
}

// New returns an empty protocol of the current format.
func New() *Protocol { return &Protocol{Format: FormatV1} }

// JSON returns the protocol as indented JSON, fields in declaration order,
// with Format and an empty Method.Text filled in. Nil slices are written as
// [] so that a reader always finds every field.
func (p *Protocol) JSON() ([]byte, error) {
	c := *p
	c.Format = FormatV1
	if c.Method.Text == "" {
		c.Method.Text = c.Method.Describe()
	}
	c.Creators = nonNil(c.Creators)
	c.Decisions = nonNil(c.Decisions)
	c.Disposed = nonNil(c.Disposed)
	c.Excluded = nonNil(c.Excluded)
	c.Skipped = nonNil(c.Skipped)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&c); err != nil {
		return nil, fmt.Errorf("protocol: encode: %w", err)
	}
	return buf.Bytes(), nil
}

// Decode reads a protocol written by JSON. It refuses another format.
func Decode(b []byte) (*Protocol, error) {
	var p Protocol
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("protocol: decode: %w", err)
	}
	if p.Format != FormatV1 {
		return nil, fmt.Errorf("protocol: format %q, want %q", p.Format, FormatV1)
	}
	return &p, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Describe says in Swedish what the flags of m mean, e.g. "Alla versioner
// av varje objekt har raderats i primär lagring och i replik; posterna har
// tagits bort ur katalogen och sökindexet."
func (m Method) Describe() string {
	s := "Den gällande versionen av varje objekt"
	if m.AllVersions {
		s = "Alla versioner av varje objekt"
	}
	s += " har raderats i primär lagring"
	if m.Replica {
		s += " och i replik"
	}
	switch {
	case m.Catalog && m.SearchIndex:
		s += "; posterna har tagits bort ur katalogen och sökindexet."
	case m.Catalog:
		s += "; posterna har tagits bort ur katalogen men inte ur sökindexet."
	case m.SearchIndex:
		s += "; posterna har tagits bort ur sökindexet men inte ur katalogen."
	default:
		s += "; posterna finns kvar i katalogen och sökindexet."
	}
	return s
}

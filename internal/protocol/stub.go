// Package protocol is a temporary stand-in until the real one lands.
package protocol

import (
	"encoding/json"
	"time"
)

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
type Party struct {
	Name      string `json:"namn"`
	OrgNumber string `json:"organisationsnummer,omitempty"`
}
type Decision struct {
	Rule, Decision, Plan, PlanValidFrom, Law, Trigger, Frist string
}
type Counts struct {
	Cases, Documents, Files int
	Bytes                   int64
}
type Item struct {
	AIP, PackageID, Case, Document, Rule, DisposalDate, ManifestSHA256 string
	Objects, Versions                                                  int
	Bytes                                                              int64
	PremisEvent                                                        string
	Partial                                                            bool
}
type Exclusion struct {
	AIP, Case, Reason, Postponed, By string
	At                               time.Time
}
type Skip struct{ AIP, Case, Document, Reason string }
type Actor struct {
	ID   string
	Name string
	At   time.Time
}
type Method struct {
	AllVersions, Replica, Catalog, SearchIndex bool
	Text                                       string
}

func (p *Protocol) JSON() ([]byte, error) { return json.MarshalIndent(p, "", "  ") }
func (p *Protocol) PDF() ([]byte, error)  { return []byte("%PDF-1.4 stub"), nil }

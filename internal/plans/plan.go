// Package plans keeps a municipality's informationshanteringsplan as
// versions: an utkast is imported, an arkivansvarig fastställer it with a
// date it is valid from, and it becomes upphörd when a later version takes
// over. Versions live in the tenant's retention bucket (NATS KV), where a
// state change is a revision-checked update, and every change is an event
// carrying the version, so the catalog and reindex need only the log.
package plans

import (
	"fmt"
	"slices"
	"time"

	"github.com/earkiv/earkiv/internal/ihp"
)

// State is where a version is in its life.
type State string

// The states, in the plan's own words.
const (
	Draft  State = "utkast"
	Active State = "fastställd"
	Ended  State = "upphörd"
)

// Version is one version of a tenant's plan.
type Version struct {
	Tenant       string    `json:"tenant"`
	ID           string    `json:"id"` // "v1", "v2", ...
	Number       int       `json:"number"`
	State        State     `json:"state"`
	Rules        ihp.Rules `json:"rules"`
	Source       string    `json:"source,omitempty"` // the file it was imported from
	SourceSHA256 string    `json:"sourceSha256,omitempty"`
	Created      time.Time `json:"created"`
	CreatedBy    string    `json:"createdBy"`
	ValidFrom    string    `json:"validFrom,omitempty"` // 2006-01-02, set when fastställd
	Activated    time.Time `json:"activated,omitzero"`
	ActivatedBy  string    `json:"activatedBy,omitempty"`
	EndedOn      string    `json:"endedOn,omitempty"` // the day the next version took over
	SucceededBy  string    `json:"succeededBy,omitempty"`
	AIPID        string    `json:"aipId,omitempty"` // the archived copy of a fastställd version
}

// VersionID names the n:th version.
func VersionID(n int) string { return fmt.Sprintf("v%d", n) }

// InForce is the version that governs on day (2006-01-02): the fastställd
// or upphörd version with the latest ValidFrom not after day. Nil when
// none does yet; then every record is bevaras and awaits review.
func InForce(vs []*Version, day string) *Version {
	var best *Version
	for _, v := range vs {
		if v.State == Draft || v.ValidFrom == "" || v.ValidFrom > day {
			continue
		}
		if best == nil || v.ValidFrom > best.ValidFrom || (v.ValidFrom == best.ValidFrom && v.Number > best.Number) {
			best = v
		}
	}
	return best
}

// Sorted orders versions by number.
func Sorted(vs []*Version) []*Version {
	out := slices.Clone(vs)
	slices.SortFunc(out, func(a, b *Version) int { return a.Number - b.Number })
	return out
}

// Day is t's date in Sweden, the day a plan's dates speak of.
func Day(t time.Time) string { return t.In(stockholm).Format(time.DateOnly) }

// Moment is t as a Swedish reader of the archive sees it: 2006-01-02 15:04
// in Sweden's time.
func Moment(t time.Time) string { return t.In(stockholm).Format("2006-01-02 15:04") }

var stockholm = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Stockholm"); err == nil {
		return l
	}
	return time.UTC
}()

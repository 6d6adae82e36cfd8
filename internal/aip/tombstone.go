package aip

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// TombstoneFormat names the tombstone's format.
const TombstoneFormat = "earkiv-gravsten/1"

// Tombstone is what is left of records after gallring: enough to answer
// that they existed and were lawfully disposed of (identifiers, rule,
// dates, the list), nothing of what they said: no titles, no names. It is
// written before anything is deleted, so a disposal cut short is never
// without a record saying so, and it is kept.
type Tombstone struct {
	Format    string       `json:"format"`
	Tenant    string       `json:"tenant"`
	AIPID     string       `json:"aipId"`
	PackageID string       `json:"packageId"`
	List      string       `json:"list"`
	Full      bool         `json:"full"` // the whole AIP; else some documents (a new manifest revision names them)
	Records   []TombRecord `json:"records"`
	Keys      []string     `json:"keys"` // the objects removed, every version, primary and replica
	Disposed  time.Time    `json:"disposed"`
	Event     string       `json:"premisEvent"` // the PREMIS deletion event's id
	// Versions and Bytes are what the executor found to delete, in the
	// primary and the replica together, before it deleted anything.
	Versions int   `json:"versions"`
	Bytes    int64 `json:"bytes"`
}

// TombRecord is one disposed record.
type TombRecord struct {
	Case     string `json:"case"`               // diarienummer
	Document string `json:"document,omitempty"` // empty: the case itself
	Rule     string `json:"rule"`
	Plan     string `json:"plan,omitempty"`
	Date     string `json:"date"` // its disposal date
	Closed   string `json:"closed,omitempty"`
}

// TombstoneKey is where the tombstone of list's disposal in an AIP is.
func TombstoneKey(aipID, list string) string { return aipID + "/gallring/" + list + ".json" }

// DeletionLogKey is where the PREMIS deletion event of that disposal is.
func DeletionLogKey(aipID, list string) string { return aipID + "/gallring/" + list + "-premis.xml" }

// IsGallringKey tells an object kept by gallring itself (tombstones and
// their event logs), which the executor never deletes.
func IsGallringKey(aipID, key string) bool { return strings.HasPrefix(key, aipID+"/gallring/") }

// Encode writes the tombstone as indented JSON.
func (t *Tombstone) Encode() ([]byte, error) {
	t.Format = TombstoneFormat
	return json.MarshalIndent(t, "", "  ")
}

// DecodeTombstone reads a tombstone and checks it is one.
func DecodeTombstone(b []byte) (*Tombstone, error) {
	var t Tombstone
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("tombstone: %w", err)
	}
	if t.Format != TombstoneFormat || t.AIPID == "" || t.List == "" {
		return nil, fmt.Errorf("tombstone: format %q, want %q", t.Format, TombstoneFormat)
	}
	return &t, nil
}

// DisposalNote is what a partial gallring removed from an AIP, in the
// manifest revision written after it.
type DisposalNote struct {
	List    string       `json:"list"`
	Records []TombRecord `json:"records"`
	Keys    []string     `json:"keys"`
	At      time.Time    `json:"at"`
	Event   string       `json:"premisEvent"`
}

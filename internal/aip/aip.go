// Package aip defines earkiv's archival information package: its layout in a
// bucket, the manifest that marks it complete, and the AIP METS and PREMIS
// documents written beside the submitted package.
//
// Layout under <aip-id>/ in the municipality's bucket:
//
//	submission/...                  the package as submitted, byte for byte (its METS included)
//	metadata/preservation/premis.xml PREMIS 3: objects, events (ingestion, validation, fixity, storage), agents
//	METS.xml                        AIP METS (E-ARK CSIP, OAISPACKAGETYPE=AIP) listing every file with SHA-256
//	manifest.json                   written last: an AIP without it is incomplete and is never listed
//
// The manifest is the AIP's index. It alone suffices to rebuild the catalog,
// so earkiv's database is a cache of the buckets, never the only copy.
package aip

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ihp"
	"github.com/earkiv/earkiv/internal/records"
)

// ManifestFormat names the manifest version, for readers years from now.
const ManifestFormat = "earkiv-aip-manifest/1"

// Object roles in the manifest.
const (
	RoleSubmission = "submission" // a file of the submitted package
	RoleMETS       = "aip-mets"
	RolePREMIS     = "premis"
	RoleEvents     = "events" // later PREMIS event logs (fixity audits, ...)
)

// Keys of an AIP's fixed objects.
func SubmissionKey(aipID, p string) string { return aipID + "/submission/" + p }
func METSKey(aipID string) string          { return aipID + "/METS.xml" }
func PREMISKey(aipID string) string        { return aipID + "/metadata/preservation/premis.xml" }
func ManifestKey(aipID string) string      { return aipID + "/manifest.json" }

// IsManifestKey tells whether a bucket key is an AIP's manifest.
func IsManifestKey(k string) bool {
	_, ok := ManifestAIP(k)
	return ok
}

// ManifestAIP returns the AIP id of a manifest key, and whether k is one.
func ManifestAIP(k string) (string, bool) {
	d, f := path.Split(k)
	id := strings.TrimSuffix(d, "/")
	if f != "manifest.json" || strings.Contains(id, "/") || uuid.Validate(id) != nil {
		return "", false
	}
	return id, true
}

// namespace derives AIP ids: the same (tenant, package id) always gives the
// same AIP id, so a redelivered or resubmitted package lands in one place.
var namespace = uuid.MustParse("6f1d7c39-0c5b-4a52-9b0e-3e4b5e1f2a70")

// ID is the AIP id of tenant's package.
func ID(tenant, packageID string) string {
	return uuid.NewSHA1(namespace, []byte(tenant+"\x00"+packageID)).String()
}

// Object is one stored object of the AIP.
type Object struct {
	Key       string `json:"key"`
	Path      string `json:"path"` // path inside the AIP (after <aip-id>/)
	Role      string `json:"role"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	MIME      string `json:"mime,omitempty"`
	VersionID string `json:"versionId,omitempty"`
	// Lock is the Object Lock the object was stored with, when it differs
	// from the manifest's Retention (objects of records with their own
	// disposal dates).
	Lock *earkiv.Lock `json:"lock,omitempty"`
}

// Validation summarises the validation report.
type Validation struct {
	Valid    bool `json:"valid"`
	Errors   int  `json:"errors"`
	Warnings int  `json:"warnings"`
}

// Party is an organisation or person named in the package.
type Party struct {
	Name  string `json:"name,omitempty"`
	OrgID string `json:"orgId,omitempty"`
}

// Manifest indexes a complete AIP.
type Manifest struct {
	Format              string         `json:"format"`
	Tenant              string         `json:"tenant"`
	Bucket              string         `json:"bucket"`
	AIPID               string         `json:"aipId"`
	PackageID           string         `json:"packageId"`
	SubmissionID        string         `json:"submissionId"`
	Family              string         `json:"family"`
	Profile             string         `json:"profile,omitempty"`
	Label               string         `json:"label,omitempty"`
	ContentType         string         `json:"contentType,omitempty"`
	Archivist           Party          `json:"archivist"`
	Creator             Party          `json:"creator"`
	Submitter           Party          `json:"submitter"`
	SubmissionAgreement string         `json:"submissionAgreement,omitempty"`
	Submitted           time.Time      `json:"submitted"`
	Created             time.Time      `json:"created"`
	Digest              string         `json:"digest"` // PackageDigest of the submission
	Files               int            `json:"files"`
	Bytes               int64          `json:"bytes"`
	Validation          Validation     `json:"validation"`
	Retention           earkiv.Lock    `json:"retention"`
	Objects             []Object       `json:"objects"`
	Cases               []records.Case `json:"cases,omitempty"`
	// Plan is the plan version the outcomes were decided under ("" when
	// none was in force), Outcomes each case's and document's bevaras or
	// gallras with its basis, and Holds the gallringsstopp the AIP came
	// under at ingest.
	Plan     string            `json:"plan,omitempty"`
	Outcomes []ihp.CaseOutcome `json:"outcomes,omitempty"`
	Holds    []string          `json:"holds,omitempty"`
	// Revision counts the manifests written for the AIP (0 and 1: the
	// first); Disposals names what partial gallring removed since.
	Revision  int            `json:"revision,omitempty"`
	Disposals []DisposalNote `json:"disposals,omitempty"`
	Software  string         `json:"software"`
}

// CreatorName is the arkivbildare the AIP's records are matched by
// (holds by query, gallring lists): the creator, else the archivist.
func (m *Manifest) CreatorName() string {
	if m.Creator.Name != "" {
		return m.Creator.Name
	}
	return m.Archivist.Name
}

// ObjectLock is the lock o was stored with.
func (m *Manifest) ObjectLock(o Object) earkiv.Lock {
	if o.Lock != nil {
		return *o.Lock
	}
	return m.Retention
}

// PackageDigest is the SHA-256 of the sorted (path, size, SHA-256) list: two
// submissions have the same digest exactly when they hold the same files with
// the same bytes, whatever the archive format they came in.
func PackageDigest(files []earkiv.FileSum) string {
	s := append([]earkiv.FileSum(nil), files...)
	sort.Slice(s, func(i, j int) bool { return s[i].Path < s[j].Path })
	h := sha256.New()
	for _, f := range s {
		fmt.Fprintf(h, "%s\t%d\t%s\n", f.Path, f.Size, f.SHA256)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// DiffFiles names up to max paths that differ between two submissions, for a
// rejection that says what conflicts.
func DiffFiles(a, b []earkiv.FileSum, max int) []string {
	am, bm := map[string]earkiv.FileSum{}, map[string]earkiv.FileSum{}
	for _, f := range a {
		am[f.Path] = f
	}
	for _, f := range b {
		bm[f.Path] = f
	}
	var out []string
	for p, f := range am {
		g, ok := bm[p]
		switch {
		case !ok:
			out = append(out, p+" (only in the archived package)")
		case g.SHA256 != f.SHA256 || g.Size != f.Size:
			out = append(out, p+" (different content)")
		}
	}
	for p := range bm {
		if _, ok := am[p]; !ok {
			out = append(out, p+" (only in the new submission)")
		}
	}
	sort.Strings(out)
	if len(out) > max {
		out = append(out[:max], fmt.Sprintf("and %d more", len(out)-max))
	}
	return out
}

// Submission returns the manifest's submitted files.
func (m *Manifest) Submission() []earkiv.FileSum {
	var out []earkiv.FileSum
	for _, o := range m.Objects {
		if o.Role == RoleSubmission {
			out = append(out, earkiv.FileSum{Path: strings.TrimPrefix(o.Path, "submission/"), Size: o.Size, SHA256: o.SHA256})
		}
	}
	return out
}

// Encode writes the manifest as indented JSON.
func (m *Manifest) Encode() ([]byte, error) {
	return json.MarshalIndent(m, "", "  ")
}

// DecodeManifest reads a manifest and checks it is one.
func DecodeManifest(r io.Reader) (*Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(r)
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if m.Format != ManifestFormat {
		return nil, fmt.Errorf("manifest: format %q, want %q", m.Format, ManifestFormat)
	}
	if uuid.Validate(m.AIPID) != nil || m.Tenant == "" {
		return nil, fmt.Errorf("manifest: missing AIP id or tenant")
	}
	return &m, nil
}

package aip

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/xsd"
	"github.com/earkiv/earkiv/schemas"
)

func testManifest() *Manifest {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	m := &Manifest{Format: ManifestFormat, Tenant: "alfa", AIPID: ID("alfa", "pkg-1"), PackageID: "pkg-1", SubmissionID: "s1",
		Family: "fgs1", Label: "Bygglov & <annat>", Created: now, Submitted: now}
	for _, p := range []string{"mets.xml", "content/a b.txt"} {
		m.Objects = append(m.Objects, Object{Key: SubmissionKey(m.AIPID, p), Path: "submission/" + p, Role: RoleSubmission, Size: 10,
			SHA256: strings.Repeat("ab", 32), MIME: "text/plain"})
	}
	m.Objects = append(m.Objects, Object{Key: PREMISKey(m.AIPID), Path: "metadata/preservation/premis.xml", Role: RolePREMIS, Size: 99, SHA256: strings.Repeat("cd", 32)})
	return m
}

// TestDocumentsValidate: the AIP METS and PREMIS earkiv writes pass the
// official E-ARK CSIP METS and PREMIS 3 schemas.
func TestDocumentsValidate(t *testing.T) {
	fsys, _, err := schemas.Open("")
	if err != nil {
		t.Fatal(err)
	}
	cat := xsd.New(fsys, xsd.Limits{})
	m := testManifest()
	ev := NewEvent("ingestion", "received", "success", "", m.Created)
	ev.Agents = []string{"earkiv"}
	ev2 := NewEvent("fixity check", "declared checksums", "success", "2 files", m.Created)
	ev2.Objects = []string{"submission/mets.xml"}
	p, err := PREMIS(m, []Event{ev, ev2}, []Agent{{ID: "earkiv", Name: "earkiv", Type: "software", Version: "test"}, {ID: "org", Name: "Alfa kommun", Type: "organization"}})
	if err != nil {
		t.Fatal(err)
	}
	mets, err := METS(m, "Alfa kommun", "2120000001", "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		set  xsd.Set
		doc  []byte
	}{{"premis", xsd.PREMIS3, p}, {"mets", xsd.EARK, mets}} {
		issues, err := cat.Validate(context.Background(), c.set, bytes.NewReader(c.doc))
		if err != nil {
			t.Fatal(err)
		}
		if len(issues) > 0 {
			t.Errorf("%s: %v\n%s", c.name, issues, c.doc)
		}
	}
}

func TestPackageDigest(t *testing.T) {
	a := []earkiv.FileSum{{Path: "x", Size: 1, SHA256: "aa"}, {Path: "y", Size: 2, SHA256: "bb"}}
	b := []earkiv.FileSum{{Path: "y", Size: 2, SHA256: "bb"}, {Path: "x", Size: 1, SHA256: "aa"}}
	if PackageDigest(a) != PackageDigest(b) {
		t.Fatal("order changes the digest")
	}
	c := []earkiv.FileSum{{Path: "x", Size: 1, SHA256: "aa"}, {Path: "y", Size: 2, SHA256: "bc"}}
	if PackageDigest(a) == PackageDigest(c) {
		t.Fatal("content change not seen")
	}
	d := DiffFiles(a, append(c, earkiv.FileSum{Path: "z", Size: 1, SHA256: "cc"}), 10)
	if strings.Join(d, ";") != "y (different content);z (only in the new submission)" {
		t.Fatalf("diff %v", d)
	}
}

func TestManifestRoundTrip(t *testing.T) {
	m := testManifest()
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeManifest(bytes.NewReader(b))
	if err != nil || got.AIPID != m.AIPID || len(got.Submission()) != 2 {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := DecodeManifest(strings.NewReader(`{"format":"other"}`)); err == nil {
		t.Fatal("foreign JSON accepted as a manifest")
	}
	if !IsManifestKey(ManifestKey(m.AIPID)) || IsManifestKey(m.AIPID+"/submission/manifest.json") {
		t.Fatal("IsManifestKey")
	}
	if first, again := ID("alfa", "p"), ID("alfa", "p"); first == ID("beta", "p") || first != again {
		t.Fatal("AIP ids must be per tenant and stable")
	}
}

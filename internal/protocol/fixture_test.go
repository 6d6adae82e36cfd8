package protocol

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// Titles and names that exist in the disposed records but must never
// reach the protocol. The protocol has no field for them; the test makes
// sure none is invented along the way.
var secrets = []string{"Bygglov för Åkerströms förråd", "Märta Öberg", "Tillbyggnad av garage"}

var stockholmTest = func() *time.Location {
	l, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		panic(err)
	}
	return l
}()

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, stockholmTest)
	if err != nil {
		panic(err)
	}
	return t
}

// sample is a realistic protocol: three rules of two nämnder, one
// exclusion of each kind and two skipped cases.
func sample() *Protocol {
	p := New()
	p.ListID = "gl-2026-0042"
	p.Tenant = "vasteras"
	p.Authority = Party{Name: "Kommunstyrelsen i Västerås stad", OrgNumber: "212000-2080"}
	p.Creators = []Party{
		{Name: "Byggnadsnämnden", OrgNumber: "212000-2080"},
		{Name: "Miljö- och hälsoskyddsnämnden"},
	}
	p.Decisions = []Decision{
		{Rule: "2.3.1", Decision: "Kommunstyrelsen 2024-03-12 § 45, dnr KS 2024/118", Plan: "ihp-bn v3",
			PlanValidFrom: "2024-04-01", Law: "3 kap. 2 § arkivlagen (1990:782)", Trigger: "ärendets avslut", Frist: "2 år"},
		{Rule: "2.3.4", Decision: "Byggnadsnämnden 2023-11-20 § 112", Plan: "ihp-bn v3",
			Trigger: "beslutsdatum", Frist: "10 år"},
		{Rule: "4.1.2", Decision: "Miljö- och hälsoskyddsnämnden 2022-06-01 § 7, dnr MHN 2022/31", Plan: "ihp-mhn v1",
			Law: "Arkivreglemente för Västerås stad § 9", Trigger: "ärendets avslut", Frist: "5 år"},
	}
	p.Scope = "klass 2.3 och 4.1, förfallna före 2026-12-01"
	rules := []string{"2.3.1", "2.3.4", "4.1.2"}
	prefixes := []string{"BN", "BN", "MHN"}
	for i := range 6 {
		it := Item{
			AIP:            fmt.Sprintf("urn:uuid:0190c3a2-7d1e-7c4a-9f3e-2b8d5a6c1e%02d", i),
			PackageID:      fmt.Sprintf("0190c3a2-7d1e-7c4a-9f3e-3c9e6b7d2f%02d", i),
			Case:           fmt.Sprintf("%s 2020/%d", prefixes[i%3], 123+i),
			Rule:           rules[i%3],
			DisposalDate:   "2026-11-15",
			ManifestSHA256: sum(fmt.Sprint("manifest", i)),
			Objects:        3 + i,
			Versions:       4 + 2*i,
			Bytes:          int64(1234567 * (i + 1)),
			PremisEvent:    fmt.Sprintf("0190d001-0000-7000-8000-0000000000%02d", i),
		}
		if i == 4 {
			it.Document = "BN 2020/127-3"
			it.Partial = true
		}
		p.Disposed = append(p.Disposed, it)
	}
	p.Counts = Counts{Cases: 5, Documents: 17, Files: 33, Bytes: 25925907}
	p.ListSHA256 = sum("the frozen list")
	p.Excluded = []Exclusion{
		{AIP: "urn:uuid:0190c3a2-7d1e-7c4a-9f3e-2b8d5a6c1eaa", Case: "BN 2019/77", Reason: "Av särskilt intresse för forskningen; bevaras enligt arkivmyndighetens beslut",
			By: "arkivarie-anna", At: at("2026-11-20 10:15")},
		{AIP: "urn:uuid:0190c3a2-7d1e-7c4a-9f3e-2b8d5a6c1ebb", Case: "MHN 2021/5", Reason: "Pågående överklagande i mark- och miljödomstolen",
			Postponed: "2027-06-30", By: "registrator-erik", At: at("2026-11-21 08:02")},
	}
	p.Skipped = []Skip{
		{AIP: "urn:uuid:0190c3a2-7d1e-7c4a-9f3e-2b8d5a6c1ecc", Case: "BN 2020/200", Reason: "gallringsstopp lagt efter attest (hold 0190e5f0-1111-7000-8000-000000000001)"},
		{AIP: "urn:uuid:0190c3a2-7d1e-7c4a-9f3e-2b8d5a6c1edd", Case: "MHN 2020/9", Document: "MHN 2020/9-2", Reason: "planen ändrad till bevaras"},
	}
	p.Proposer = Actor{ID: "registrator-erik", Name: "Erik Lindqvist", At: at("2026-11-18 09:30")}
	p.Attestant = Actor{ID: "arkivarie-anna", Name: "Anna Sjögren", At: at("2026-11-22 14:05")}
	p.CoolingOff = "7 dagar"
	p.Started = at("2026-11-29 14:05")
	p.Finished = at("2026-11-29 14:07")
	p.Method = Method{AllVersions: true, Replica: true, Catalog: true, SearchIndex: true}
	p.Generated = at("2026-11-29 14:08")
	p.Software = "earkiv v1.2.3"
	return p
}

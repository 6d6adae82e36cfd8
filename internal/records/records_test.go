package records

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/beevik/etree"
)

func load(t *testing.T, p string) *etree.Element {
	t.Helper()
	d := etree.NewDocument()
	if err := d.ReadFromFile(p); err != nil {
		t.Fatal(err)
	}
	return d.Root()
}

func TestFGSArendehantering(t *testing.T) {
	cases, ok := Extract(load(t, "../../packages-sample/fgs1-valid-arenden/content/arendehantering.xml"))
	if !ok || len(cases) != 3 {
		t.Fatalf("ok=%v cases=%d", ok, len(cases))
	}
	c := cases[0]
	if c.ID != "KS 2025/0001" || c.Title != "Bygglov för tillbyggnad av enbostadshus" || len(c.Documents) != 2 {
		t.Fatalf("case %+v", c)
	}
	if d := c.Documents[1]; d.ID != "KS 2025/0001-2" || len(d.Files) != 1 || d.Files[0] != "arende-0001/handling-0002.txt" {
		t.Fatalf("document %+v", d)
	}
}

func TestFGSRestriction(t *testing.T) {
	d := etree.NewDocument()
	err := d.ReadFromString(`<Leveransobjekt xmlns="http://xml.ra.se/e-arkiv/FGS-ERMS"><ArkivobjektListaArenden><ArkivobjektArende>
<ArkivobjektID>SN 2024/17</ArkivobjektID><Avslutat>2024-05-02</Avslutat><Klass>2.3.1</Klass>
<Restriktion Typ="Sekretess"><ForklarandeText>Uppgifter om enskilds personliga förhållanden</ForklarandeText><Lagrum>OSL 26:1</Lagrum></Restriktion>
<Skapad>2024-01-10</Skapad><StatusArande>Avslutat</StatusArande><Arendemening>Ansökan om bistånd</Arendemening>
<ArkivobjektListaHandlingar><ArkivobjektHandling><ArkivobjektID>SN 2024/17-1</ArkivobjektID><Inkommen>2024-01-10</Inkommen><Rubrik>Ansökan</Rubrik>
<Restriktion Typ="Annan typ" AnnanTyp="Personuppgifter"/></ArkivobjektHandling></ArkivobjektListaHandlingar>
</ArkivobjektArende></ArkivobjektListaArenden></Leveransobjekt>`)
	if err != nil {
		t.Fatal(err)
	}
	cases, _ := Extract(d.Root())
	c := cases[0]
	if c.Restriction == nil || c.Restriction.Type != "Sekretess" || c.Restriction.Regulation != "OSL 26:1" {
		t.Fatalf("restriction %+v", c.Restriction)
	}
	if c.Closed != "2024-05-02" || c.Classification != "2.3.1" || c.Status != "Avslutat" || c.Opened != "2024-01-10" {
		t.Fatalf("case %+v", c)
	}
	if doc := c.Documents[0]; doc.Date != "2024-01-10" || doc.Restriction == nil || doc.Restriction.Type != "Personuppgifter" {
		t.Fatalf("document %+v", doc)
	}
}

func TestCITSERMS(t *testing.T) {
	p := filepath.Join("..", "..", "..", "shared", "samples", "cits-erms-examples", "svenska-kyrkan-ERMS-SVK-ARENDE-exempel.xml")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("shared sample missing: %v", err)
	}
	cases, ok := Extract(load(t, p))
	if !ok || len(cases) == 0 {
		t.Fatalf("ok=%v cases=%d", ok, len(cases))
	}
	c := cases[0]
	if c.ID != "F 2019-0032" || c.Classification != "1.2" || c.Opened != "2020-05-20T00:00:00" || c.Closed != "2020-05-30T00:00:00" {
		t.Fatalf("case %+v", c)
	}
	if c.Restriction == nil || c.Restriction.Type != "confidential" || c.Restriction.Regulation != "KO 54:2" {
		t.Fatalf("restriction %+v", c.Restriction)
	}
	if len(c.Documents) == 0 || c.Documents[0].ID != "C 1995-0032:1" || c.Documents[0].PublicTitle == "" || c.Documents[0].Restriction == nil {
		t.Fatalf("documents %+v", c.Documents)
	}
	gen, ok := Extract(load(t, "../../packages-sample/eark-valid-erms/metadata/descriptive/erms.xml"))
	if !ok || len(gen) != 2 || len(gen[0].Documents) != 2 {
		t.Fatalf("generated ERMS: %+v", gen)
	}
}

func TestUnknown(t *testing.T) {
	d := etree.NewDocument()
	d.ReadFromString(`<dc xmlns="http://purl.org/dc/elements/1.1/"/>`)
	if _, ok := Extract(d.Root()); ok {
		t.Fatal("dublin core taken for a case description")
	}
}

// TestRetentionFields: what gallring needs (ärendetyp, handlingstyp,
// dates, parties, the producer's own disposal data) from both formats.
func TestRetentionFields(t *testing.T) {
	d := etree.NewDocument()
	err := d.ReadFromString(`<Leveransobjekt xmlns="http://xml.ra.se/e-arkiv/FGS-ERMS"><ArkivobjektListaArenden><ArkivobjektArende>
<ArkivobjektID>BN 2023/88</ArkivobjektID><ArendeTyp>Bygglov</ArendeTyp><Avslutat>2023-11-30</Avslutat><Beslutat>2023-11-02</Beslutat>
<Gallring Gallras="true"><GallringsFrist>10 år</GallringsFrist></Gallring><Klass>2.3.1</Klass>
<Motpart><Namn>Eva Exempel</Namn></Motpart><Arendemening>Bygglov</Arendemening>
<ArkivobjektListaHandlingar><ArkivobjektHandling><ArkivobjektID>BN 2023/88-1</ArkivobjektID><Handlingstyp>Ansökan</Handlingstyp>
<Avsandare><Organisation>Bygg AB</Organisation><IDnummer>5560000000</IDnummer></Avsandare><Inkommen>2023-09-01</Inkommen><Rubrik>Ansökan</Rubrik>
</ArkivobjektHandling></ArkivobjektListaHandlingar></ArkivobjektArende></ArkivobjektListaArenden></Leveransobjekt>`)
	if err != nil {
		t.Fatal(err)
	}
	cases, _ := Extract(d.Root())
	c := cases[0]
	if c.CaseType != "Bygglov" || c.Decided != "2023-11-02" || c.Disposal == nil || c.Disposal.Action != "Gallras" || c.Disposal.Period != "10 år" {
		t.Fatalf("case %+v disposal %+v", c, c.Disposal)
	}
	if len(c.Parties) != 1 || c.Parties[0] != (Party{Role: "motpart", Name: "Eva Exempel"}) {
		t.Fatalf("parties %+v", c.Parties)
	}
	doc := c.Documents[0]
	if doc.Type != "Ansökan" || doc.Received != "2023-09-01" || len(doc.Parties) != 1 || doc.Parties[0].OrgID != "5560000000" || doc.Parties[0].Name != "Bygg AB" {
		t.Fatalf("document %+v", doc)
	}

	e := etree.NewDocument()
	err = e.ReadFromString(`<erms xmlns="https://DILCIS.eu/XML/ERMS"><aggregations><aggregation aggregationType="caseFile">
<objectId>KS 2024/5</objectId><extraId extraIdType="caseType">Medborgarförslag</extraId><title>Förslag</title>
<disposal><disposalAction>Gallras</disposalAction><disposalPeriod>5 år</disposalPeriod><disposalScheduleId>IHP 2024</disposalScheduleId></disposal>
<agents><agent agentType="counterpart"><name>Per Person</name></agent><agent agentType="creator"><name>Handläggare</name></agent></agents>
<dates><date dateType="closed">2024-06-01</date><date dateType="other_date" otherDateType="legal_force">2024-07-01</date></dates>
<record recordType="Skrivelse"><objectId>KS 2024/5-1</objectId><title>Skrivelse</title><dates><date dateType="received">2024-02-02</date></dates></record>
</aggregation></aggregations></erms>`)
	if err != nil {
		t.Fatal(err)
	}
	cases, _ = Extract(e.Root())
	c = cases[0]
	if c.CaseType != "Medborgarförslag" || c.LegalForce != "2024-07-01" || c.Closed != "2024-06-01" || c.Disposal == nil || c.Disposal.Schedule != "IHP 2024" {
		t.Fatalf("ERMS case %+v", c)
	}
	if len(c.Parties) != 1 || c.Parties[0].Name != "Per Person" {
		t.Fatalf("ERMS parties %+v", c.Parties)
	}
	if doc := c.Documents[0]; doc.Type != "Skrivelse" || doc.Received != "2024-02-02" {
		t.Fatalf("ERMS document %+v", doc)
	}
}

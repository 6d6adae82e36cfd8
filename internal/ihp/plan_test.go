package ihp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The plan the parse tests read in every format: a kommunstyrelse's IHP,
// abridged.

func mustFrist(t testing.TB, s string) Frist {
	t.Helper()
	f, err := ParseFrist(s)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func samplePlan(t testing.TB) Rules {
	return Rules{
		{ID: "1.1", Class: "1.1", Action: Bevaras, Note: "Styra verksamheten"},
		{ID: "2.3.1", Class: "2.3.1", CaseType: "Bygglov", Action: Bevaras, Law: "PBL 9:2", PersonalData: "Ja"},
		{ID: "2.3.1.1", Class: "2.3.1", CaseType: "Bygglov", DocType: "Kvittens", Action: Gallras, Frist: mustFrist(t, "2 år"),
			Decision: "KS 2019-05-12 § 45, dnr KS 2019/123", Note: "Gallras 2 år efter ärendets avslut"},
		{ID: "2.3.2", Class: "2.3", CaseType: "Strandskyddsdispens", Action: Gallras, Frist: mustFrist(t, "10 år"), From: YearEnd,
			Decision: "KS 2019-05-12 § 45, dnr KS 2019/123"},
		{ID: "3.1", Class: "3.1", CaseType: "Ansökan om ekonomiskt bistånd", Action: Gallras, Frist: mustFrist(t, "5 år"), From: YearEnd,
			Decision: "RA-MS 2020:1", Law: "SoL 12:1", Secrecy: "OSL 26:1", PersonalData: "Ja",
			Note: "Bevaras för personer födda den 5, 15 och 25 i månaden"},
		{ID: "3.1.1", Class: "3.1", CaseType: "Ansökan om ekonomiskt bistånd", Exception: true, Action: Bevaras,
			Decision: "RA-MS 2020:1", Secrecy: "OSL 26:1", Note: "Födda den 5, 15 och 25"},
		{ID: "4.2", DocType: "E-post av tillfällig betydelse", Action: Gallras, Frist: mustFrist(t, "vid inaktualitet"),
			Decision: "KS 2019-05-12 § 45, dnr KS 2019/123"},
		{ID: "5.1", Class: "5.1", CaseType: "Överklagande", Action: Gallras, Frist: mustFrist(t, "18 månader"), From: LegalForce,
			Decision: "KS 2019-05-12 § 45, dnr KS 2019/123", Law: "FL 44 §"},
		{ID: "6.1", Class: "6.1", DocType: "Dagbok", Action: Gallras, Frist: mustFrist(t, "0"), From: DocumentDate},
	}
}

// sampleSemicolon is samplePlan as Excel saves "CSV UTF-8" in a Swedish
// locale: BOM, ";", CRLF, a title row above the header, a heading row for a
// part of the klassificeringsstruktur, an empty row, and the frist written
// in the Åtgärd cell on one row.
const sampleSemicolon = "\ufeffInformationshanteringsplan för kommunstyrelsen;;;;;;;;;;;;\r\n" +
	"Regel;Klass;Ärendetyp;Handlingstyp;Åtgärd;Gallringsfrist;Räknas från;Beslut;Lagrum;Sekretess;Personuppgifter;Anmärkning;Undantag\r\n" +
	"1.1;1.1 Styra verksamheten;;;Bevaras;;;;;;;Styra verksamheten;\r\n" +
	";2 Bygga och bo;;;;;;;;;;;\r\n" +
	"2.3.1;2.3.1 Bygglov;Bygglov;;BEVARAS;;;;PBL 9:2;;Ja;;\r\n" +
	"2.3.1.1;2.3.1;Bygglov;Kvittens;gallras;2 år;ärendets avslut;KS 2019-05-12 § 45, dnr KS 2019/123;;;;Gallras 2 år efter ärendets avslut;nej\r\n" +
	"2.3.2;2.3;Strandskyddsdispens;;Gallras 10 år efter kalenderårets slut;;;KS 2019-05-12 § 45, dnr KS 2019/123;;;;;\r\n" +
	";;;;;;;;;;;;\r\n" +
	"3.1;3.1;Ansökan om ekonomiskt bistånd;;Gallras;5 år;Kalenderårets slut;RA-MS 2020:1;SoL 12:1;OSL 26:1;Ja;Bevaras för personer födda den 5, 15 och 25 i månaden;\r\n" +
	"3.1.1;3.1;Ansökan om ekonomiskt bistånd;;Bevaras;;;RA-MS 2020:1;;OSL 26:1;;Födda den 5, 15 och 25;x\r\n" +
	"4.2;;;E-post av tillfällig betydelse;Gallras;vid inaktualitet;;KS 2019-05-12 § 45, dnr KS 2019/123;;;;;\r\n" +
	"5.1;5.1;Överklagande;;Gallras;18 månader;laga kraft;KS 2019-05-12 § 45, dnr KS 2019/123;FL 44 §;;;;\r\n" +
	"6.1;6.1;;Dagbok;Gallras;0;handlingens datum;;;;;;\r\n"

// sampleComma is samplePlan as a "," CSV, columns in another order, with
// synonyms for the headers, an unknown column, and quoted cells.
const sampleComma = `Nr,Klassificering,ARENDETYP,handlingstyp,Bevaras/Gallras,Frist,Fristen räknas från,Gallringsbeslut,Lagrum,Sekretess,Personuppgifter,Anmärkningar,Undantag,Förvaringsplats
1.1,1.1 Styra verksamheten,,,Bevaras,,,,,,,Styra verksamheten,,Centralarkivet
2.3.1,2.3.1 Bygglov,Bygglov,,Bevaras,,,,PBL 9:2,,Ja,,,Centralarkivet
2.3.1.1,2.3.1,Bygglov,Kvittens,Gallras,2 år,,"KS 2019-05-12 § 45, dnr KS 2019/123",,,,Gallras 2 år efter ärendets avslut,,
2.3.2,2.3,Strandskyddsdispens,,Gallras,10y,kalenderårets slut,"KS 2019-05-12 § 45, dnr KS 2019/123",,,,,,
3.1,3.1,Ansökan om ekonomiskt bistånd,,Gallras,5 år,kalenderårets slut,RA-MS 2020:1,SoL 12:1,OSL 26:1,Ja,"Bevaras för personer födda den 5, 15 och 25 i månaden",,
3.1.1,3.1,Ansökan om ekonomiskt bistånd,,Bevaras,,,RA-MS 2020:1,,OSL 26:1,,"Födda den 5, 15 och 25",Ja,
4.2,,,E-post av tillfällig betydelse,Gallras,Vid inaktualitet,,"KS 2019-05-12 § 45, dnr KS 2019/123",,,,,,
5.1,5.1,Överklagande,,Gallras,18 m,Laga kraft,"KS 2019-05-12 § 45, dnr KS 2019/123",FL 44 §,,,,,
6.1,6.1,,Dagbok,Gallras,0,Handlingens datum,,,,,,,
`

const sampleYAML = `# IHP för kommunstyrelsen, version 2024-01
rules:
  - id: "1.1"
    class: "1.1"
    action: bevaras
    note: Styra verksamheten
  - id: 2.3.1
    class: 2.3.1
    caseType: Bygglov
    action: bevaras
    law: PBL 9:2
    personalData: Ja
  - id: 2.3.1.1
    class: 2.3.1
    caseType: Bygglov
    docType: Kvittens
    action: gallras
    frist: 2 år
    decision: KS 2019-05-12 § 45, dnr KS 2019/123
    note: Gallras 2 år efter ärendets avslut
  - id: 2.3.2
    class: "2.3"
    caseType: Strandskyddsdispens
    action: gallras
    frist: 10 år
    from: kalenderårets slut
    decision: KS 2019-05-12 § 45, dnr KS 2019/123
  - id: "3.1"
    class: "3.1"
    caseType: Ansökan om ekonomiskt bistånd
    action: gallras
    frist: 5 år
    from: kalenderårets slut
    decision: "RA-MS 2020:1"
    law: "SoL 12:1"
    secrecy: "OSL 26:1"
    personalData: Ja
    note: Bevaras för personer födda den 5, 15 och 25 i månaden
  - id: 3.1.1
    class: "3.1"
    caseType: Ansökan om ekonomiskt bistånd
    exception: true
    action: bevaras
    decision: "RA-MS 2020:1"
    secrecy: "OSL 26:1"
    note: Födda den 5, 15 och 25
  - id: "4.2"
    docType: E-post av tillfällig betydelse
    action: gallras
    frist: vid inaktualitet
    decision: KS 2019-05-12 § 45, dnr KS 2019/123
  - id: "5.1"
    class: "5.1"
    caseType: Överklagande
    action: gallras
    frist: 18 månader
    from: laga kraft
    decision: KS 2019-05-12 § 45, dnr KS 2019/123
    law: FL 44 §
  - id: "6.1"
    class: "6.1"
    docType: Dagbok
    action: gallras
    frist: "0"
    from: handlingens datum
`

const sampleJSON = `{
  "plan": "KS IHP 2024-01",
  "rules": [
    {"id": "1.1", "class": "1.1", "action": "bevaras", "frist": "", "note": "Styra verksamheten"},
    {"id": "2.3.1", "class": "2.3.1", "caseType": "Bygglov", "action": "bevaras", "law": "PBL 9:2", "personalData": "Ja"},
    {"id": "2.3.1.1", "class": "2.3.1", "caseType": "Bygglov", "docType": "Kvittens", "action": "gallras", "frist": "2 år",
     "from": "ärendets avslut", "decision": "KS 2019-05-12 § 45, dnr KS 2019/123", "note": "Gallras 2 år efter ärendets avslut"},
    {"id": "2.3.2", "class": "2.3", "caseType": "Strandskyddsdispens", "action": "gallras", "frist": "10 år",
     "from": "kalenderårets slut", "decision": "KS 2019-05-12 § 45, dnr KS 2019/123"},
    {"id": "3.1", "class": 3.1, "caseType": "Ansökan om ekonomiskt bistånd", "action": "gallras", "frist": "5 år",
     "from": "kalenderårets slut", "decision": "RA-MS 2020:1", "law": "SoL 12:1", "secrecy": "OSL 26:1",
     "personalData": "Ja", "note": "Bevaras för personer födda den 5, 15 och 25 i månaden"},
    {"id": "3.1.1", "class": "3.1", "caseType": "Ansökan om ekonomiskt bistånd", "exception": true, "action": "bevaras",
     "decision": "RA-MS 2020:1", "secrecy": "OSL 26:1", "note": "Födda den 5, 15 och 25"},
    {"id": "4.2", "docType": "E-post av tillfällig betydelse", "action": "gallras", "frist": "vid inaktualitet",
     "decision": "KS 2019-05-12 § 45, dnr KS 2019/123"},
    {"id": "5.1", "class": "5.1", "caseType": "Överklagande", "action": "gallras", "frist": "18 månader", "from": "laga kraft",
     "decision": "KS 2019-05-12 § 45, dnr KS 2019/123", "law": "FL 44 §"},
    {"id": "6.1", "class": "6.1", "docType": "Dagbok", "action": "gallras", "frist": "0", "from": "handlingens datum", "exception": false}
  ]
}`

// xlsxFile makes a workbook as a municipality keeps its plan: a cover
// sheet first, the plan on a sheet named "IHP" under a title row, with
// rule ids and frists typed as text and a number.
func xlsxFile(t testing.TB, sheet string, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	if err := f.SetSheetName("Sheet1", "Försättsblad"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellValue("Försättsblad", "A1", "Informationshanteringsplan, fastställd av KS 2019-05-12 § 45"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet(sheet); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	b, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sampleXLSXRows is samplePlan as rows of a sheet, from the semicolon CSV.
func sampleXLSXRows() [][]any {
	var rows [][]any
	for _, l := range strings.Split(strings.TrimPrefix(sampleSemicolon, "\ufeff"), "\r\n") {
		if l == "" {
			continue
		}
		var r []any
		for _, c := range strings.Split(l, ";") {
			r = append(r, c)
		}
		rows = append(rows, r)
	}
	rows = append(rows[:1], append([][]any{{}}, rows[1:]...)...) // an empty row under the title
	rows[len(rows)-1][5] = 0                                     // "0" as Excel keeps a typed number
	return rows
}

func describe(rs Rules) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%+v frist=%q\n", r, r.Frist)
	}
	return b.String()
}

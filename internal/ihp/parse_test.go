package ihp

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

func TestParseFormats(t *testing.T) {
	want := samplePlan(t)
	win1252, err := charmap.Windows1252.NewEncoder().String(strings.TrimPrefix(sampleSemicolon, "\ufeff"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"ihp.csv", []byte(sampleSemicolon)},
		{"IHP KS 2024.CSV", []byte(sampleComma)},
		{"ansi.csv", []byte(win1252)},
		{"sep.csv", []byte("sep=;\r\n" + strings.TrimPrefix(sampleSemicolon, "\ufeff"))},
		{"ihp.xlsx", xlsxFile(t, "IHP", sampleXLSXRows())},
		{"plan.yaml", []byte(sampleYAML)},
		{"plan.yml", []byte(sampleYAML)},
		{"plan.json", []byte(sampleJSON)},
		{"upload", []byte(sampleJSON)},
		{"upload", []byte(sampleYAML)},
		{"upload", []byte(sampleSemicolon)},
		{"upload", xlsxFile(t, "Informationshanteringsplan KS", sampleXLSXRows())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.name, tc.data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Parse got\n%swant\n%s", describe(got), describe(want))
			}
		})
	}
}

// TestParseNativeRoundTrip checks that the native JSON form is Rules as
// encoding/json writes them.
func TestParseNativeRoundTrip(t *testing.T) {
	want := samplePlan(t)
	b, err := json.Marshal(struct {
		Rules Rules `json:"rules"`
	}{want})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse("plan.json", b)
	if err != nil {
		t.Fatalf("Parse(%s): %v", b, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip got\n%swant\n%s", describe(got), describe(want))
	}
	if !strings.Contains(string(b), `"frist":"18 månader","from":"laga kraft"`) {
		t.Errorf("JSON does not carry frist and trigger as the plan's words: %s", b)
	}
}

const header = "Regel;Klass;Ärendetyp;Handlingstyp;Åtgärd;Gallringsfrist;Räknas från;Beslut;Undantag\r\n"

func TestParseProblems(t *testing.T) {
	for _, tc := range []struct {
		name string
		file string
		data string
		want []Problem // Message is matched as a substring
	}{
		{"bad frist", "plan.csv", header +
			"1.1;1.1;;;Bevaras;;;;\r\n" +
			"2.1;2.1;Bygglov;;Gallras;2 år;;;\r\n" +
			"2.2;2.2;Bygglov;;Gallras;fem år;;;\r\n",
			[]Problem{{Row: 4, Column: "Gallringsfrist", Message: `"fem år" är ingen frist`}}},
		{"unknown åtgärd and trigger", "plan.csv", header +
			"1.1;1.1;;;Arkiveras;;;;\r\n" +
			"1.2;1.2;;;Gallras;5 år;när ärendet är klart;;\r\n",
			[]Problem{
				{Row: 2, Column: "Åtgärd", Message: `"Arkiveras" är ingen åtgärd (skriv Bevaras eller Gallras)`},
				{Row: 3, Column: "Räknas från", Message: "ärendets avslut, handlingens datum, kalenderårets slut eller laga kraft"},
			}},
		{"missing id, åtgärd and frist", "plan.csv", header +
			";1.1;;;Bevaras;;;;\r\n" +
			"1.2;1.2;;;;;;;\r\n" +
			"1.3;1.3;;;Gallras;;;;\r\n",
			[]Problem{
				{Row: 2, Column: "Regel", Message: "regelnummer saknas"},
				{Row: 3, Column: "Åtgärd", Message: "åtgärd saknas"},
				{Row: 4, Column: "Gallringsfrist", Message: "gallringsfrist saknas för Gallras"},
			}},
		{"duplicate criteria and id", "plan.csv", header +
			"2.3.1;2.3.1;Bygglov;;Bevaras;;;;\r\n" +
			"2.3.2;2.3.1;bygglov ;;Gallras;10 år;;;\r\n" +
			"2.3.3;2.3.1;Bygglov;;Gallras;10 år;;;x\r\n" +
			"2.3.3;2.4;;;Bevaras;;;;\r\n",
			[]Problem{
				{Row: 3, Column: "Klass", Message: "regel 2.3.2 gäller samma klass, ärendetyp, handlingstyp och undantag som regel 2.3.1 på rad 2"},
				{Row: 5, Column: "Regel", Message: "regel 2.3.3 finns redan (regel 2.3.3 på rad 4)"},
			}},
		{"bevaras with frist, bad undantag, conflicting frists", "plan.csv", header +
			"1.1;1.1;;;Bevaras;10 år;;;\r\n" +
			"1.2;1.2;;;Gallras;5 år;;;kanske\r\n" +
			"1.3;1.3;;;Gallras 2 år;5 år;;;\r\n",
			[]Problem{
				{Row: 2, Column: "Gallringsfrist", Message: "Bevaras med gallringsfrist 10 år"},
				{Row: 3, Column: "Undantag", Message: `"kanske": skriv ja, nej, x`},
				{Row: 4, Column: "Gallringsfrist", Message: "frist 5 år men Åtgärd säger 2 år"},
			}},
		{"missing columns", "plan.csv", "Klass;Handlingstyp;Frist\r\n1.1;;5 år\r\n",
			[]Problem{
				{Row: 1, Column: "Regel", Message: "kolumnen saknas i rubrikraden (den kan heta Regel, Regelnr eller Nr)"},
				{Row: 1, Column: "Åtgärd", Message: "kolumnen saknas"},
			}},
		{"duplicate column", "plan.csv", "Regel;Klass;Åtgärd;Klasskod\r\n1.1;1.1;Bevaras;1.2\r\n",
			[]Problem{{Row: 1, Column: "Klass", Message: "kolumnen finns två gånger (kolumn B och kolumn D)"}}},
		{"row numbers as Excel shows them", "plan.csv", header +
			"1.1;1.1;;;Bevaras;;;\"Beslut över\r\ntvå rader\";\r\n" +
			"\r\n" +
			"1.2;1.2;;;Gallras;ett år;;;\r\n",
			[]Problem{{Row: 4, Column: "Gallringsfrist", Message: `"ett år" är ingen frist`}}},
		{"empty", "plan.csv", "\ufeff\r\n", []Problem{{Message: "planen är tom"}}},
		{"header only", "plan.csv", header, []Problem{{Message: "planen har inga regler"}}},
		{"yaml lines", "plan.yaml", "rules:\n  - id: \"1.1\"\n    action: bevaras\n  - id: \"1.2\"\n    class: \"1.2\"\n    action: gallras\n    frist: fem år\n    lagrumm: OSL 26:1\n",
			[]Problem{
				{Row: 4, Column: "Gallringsfrist", Message: `"fem år" är ingen frist`},
				{Row: 8, Message: `okänt fält "lagrumm"`},
			}},
		{"json lines", "plan.json", "{\"rules\": [\n  {\"id\": \"1.1\", \"action\": \"bevaras\"},\n  {\"id\": \"1.1\", \"class\": \"2\", \"action\": \"förstöras\"}\n]}",
			[]Problem{
				{Row: 3, Column: "Åtgärd", Message: `"förstöras" är ingen åtgärd`},
				{Row: 3, Column: "Regel", Message: "regel 1.1 finns redan"},
			}},
		{"json syntax", "plan.json", "{\"rules\": [\n  {\"id\": \"1.1\",, }\n]}",
			[]Problem{{Row: 2, Message: "ingen giltig JSON"}}},
		{"json not a list", "plan.json", `{"rules": {"id": "1.1"}}`,
			[]Problem{{Row: 1, Message: "rules ska vara en lista"}}},
		{"not xlsx", "plan.xlsx", "Regel;Åtgärd\r\n", []Problem{{Message: "går inte att läsa som Excel-fil"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := Parse(tc.file, []byte(tc.data))
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("Parse = %v, %v; want an *ImportError", rs, err)
			}
			if rs != nil {
				t.Errorf("Parse returned rules with its error: %v", rs)
			}
			if ie.File != tc.file {
				t.Errorf("File = %q, want %q", ie.File, tc.file)
			}
			if len(ie.Problems) != len(tc.want) {
				t.Fatalf("got %d problems, want %d: %v", len(ie.Problems), len(tc.want), err)
			}
			for i, w := range tc.want {
				p := ie.Problems[i]
				if p.Row != w.Row || p.Column != w.Column || !strings.Contains(p.Message, w.Message) {
					t.Errorf("problem %d = %+v, want %+v", i, p, w)
				}
			}
		})
	}
}

func TestImportErrorText(t *testing.T) {
	_, err := Parse("plan.csv", []byte(header+"1.1;1.1;;;Bevaras;;;;\r\n2.1;2.1;;;Gallras;2 år;;;\r\n2.2;2.2;;;Gallras;fem år;;;\r\n3.1;3.1;;;Arkiveras;;;;\r\n"))
	want := `plan.csv: rad 4, kolumn Gallringsfrist: "fem år" är ingen frist (skriv t.ex. 5 år, 18 månader, 30 dagar, 0 eller vid inaktualitet); ` +
		`rad 5, kolumn Åtgärd: "Arkiveras" är ingen åtgärd (skriv Bevaras eller Gallras)`
	if err == nil || err.Error() != want {
		t.Errorf("Error() =\n%v\nwant\n%s", err, want)
	}
}

func TestValidate(t *testing.T) {
	if err := samplePlan(t).Validate(); err != nil {
		t.Fatalf("sample plan: %v", err)
	}
	rs := Rules{
		{ID: "1", Action: Gallras},                                    // no frist: not "0"
		{ID: "2", Class: "2", Action: Bevaras, From: "månadens slut"}, // unknown trigger
		{ID: "3", Class: "1", Action: "arkiveras"},                    // unknown action
		{ID: "4", Action: Bevaras, Frist: mustFrist(t, "0")},          // "0" on bevaras is no frist
	}
	err := rs.Validate()
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("Validate = %v, want *ImportError", err)
	}
	want := []Problem{
		{Column: "Gallringsfrist", Rule: "1", Message: "gallringsfrist saknas"},
		{Column: "Räknas från", Rule: "2", Message: `"månadens slut" är inget att räkna fristen från`},
		{Column: "Åtgärd", Rule: "3", Message: `"arkiveras" är ingen åtgärd`},
		{Column: "Klass", Rule: "4", Message: "samma klass, ärendetyp, handlingstyp och undantag som regel 1"},
	}
	if len(ie.Problems) != len(want) {
		t.Fatalf("got %v, want %d problems", err, len(want))
	}
	for i, w := range want {
		p := ie.Problems[i]
		if p.Row != 0 || p.Column != w.Column || p.Rule != w.Rule || !strings.Contains(p.Message, w.Message) {
			t.Errorf("problem %d = %+v, want %+v", i, p, w)
		}
	}
	if !strings.HasPrefix(err.Error(), "regel 1, kolumn Gallringsfrist: ") {
		t.Errorf("Error() does not name the rule: %v", err)
	}
}

// TestParseXLSXRows checks that problems in a sheet name the row Excel
// shows, past a title and an empty row.
func TestParseXLSXRows(t *testing.T) {
	rows := sampleXLSXRows() // title, empty row, header on row 3
	rows[6][5] = "två år"    // rule 2.3.1.1 on row 7
	rows[3][0] = ""          // rule 1.1 on row 4 loses its id
	_, err := Parse("ihp.xlsx", xlsxFile(t, "IHP", rows))
	var ie *ImportError
	if !errors.As(err, &ie) || len(ie.Problems) != 2 {
		t.Fatalf("Parse = %v, want two problems", err)
	}
	if p := ie.Problems[0]; p.Row != 4 || p.Column != "Regel" {
		t.Errorf("problem 0 = %+v, want row 4, Regel", p)
	}
	if p := ie.Problems[1]; p.Row != 7 || p.Column != "Gallringsfrist" || !strings.Contains(p.Message, `"två år"`) {
		t.Errorf("problem 1 = %+v, want row 7, Gallringsfrist", p)
	}
}

// TestParseReportsOnce checks that a cell that cannot be read is one
// problem, not also a missing value.
func TestParseReportsOnce(t *testing.T) {
	_, err := Parse("plan.csv", []byte(header+"1.1;1.1;;;Gallras fem år;;;;\r\n1.2;1.2;;;Gallras;fem år;;;\r\n1.3;1.3;;;Förstöras;5 år;;;\r\n"))
	var ie *ImportError
	if !errors.As(err, &ie) || len(ie.Problems) != 3 {
		t.Fatalf("Parse = %v, want three problems", err)
	}
	for i, col := range []string{"Åtgärd", "Gallringsfrist", "Åtgärd"} {
		if ie.Problems[i].Row != i+2 || ie.Problems[i].Column != col {
			t.Errorf("problem %d = %+v, want row %d column %s", i, ie.Problems[i], i+2, col)
		}
	}
}

package ihp

import (
	"encoding/json"
	"testing"

	"github.com/earkiv/earkiv/internal/records"
)

func TestEvaluate(t *testing.T) {
	plan := samplePlan(t)
	plan = append(plan,
		Rule{ID: "7.1", Class: "7.1", Action: Gallras, Frist: mustFrist(t, "1 år"), From: DocumentDate, Decision: "KS 2019-05-12 § 45, dnr KS 2019/123"},
		Rule{ID: "7.2", Class: "7.2", Action: Gallras, Frist: mustFrist(t, "1 år")},
		Rule{ID: "7.3", Class: "7.3", Action: Gallras}, // no frist: an invalid plan still destroys nothing
	)
	const v = "KS-IHP-2024-01"
	type doc struct{ id, want string }
	for _, tc := range []struct {
		name string
		c    records.Case
		want string // the case's Outcome.Text()
		docs []doc  // each document's Outcome.Text()
	}{
		{"bevaras", records.Case{ID: "KS 2020/1", Classification: "1.1", Closed: "2020-05-30"},
			"Bevaras enligt regel 1.1", nil},
		{"document rule after case closed", records.Case{ID: "BN 2021/77", Classification: "2.3.1", CaseType: "Bygglov", Closed: "2021-03-15T10:22:00+01:00",
			Documents: []records.Document{{ID: "d1", Type: "Kvittens", Date: "2021-01-02"}, {ID: "d2", Type: "Beslut", Date: "2021-03-15"}}},
			"Bevaras enligt regel 2.3.1", []doc{
				{"d1", "Gallras 2023-03-15 enligt regel 2.3.1.1, beslut KS 2019-05-12 § 45, dnr KS 2019/123"},
				{"d2", "Bevaras enligt regel 2.3.1"},
			}},
		{"year end", records.Case{ID: "MBN 2019/5", Classification: "2.3.4", CaseType: "strandskyddsdispens", Closed: "2019-02-01"},
			"Gallras 2029-12-31 enligt regel 2.3.2, beslut KS 2019-05-12 § 45, dnr KS 2019/123", nil},
		{"year end with exception", records.Case{ID: "SN 2020/9", Classification: "3.1", CaseType: "Ansökan om ekonomiskt bistånd", Closed: "2020-12-31T23:59:59Z"},
			"Bevaras enligt regel 3.1.1", nil},
		{"leap day", records.Case{ID: "KS 2024/29", Classification: "7.2", Closed: "2024-02-29"},
			"Gallras 2025-03-01 enligt regel 7.2", nil},
		{"legal force", records.Case{ID: "KS 2022/3", Classification: "5.1", CaseType: "Överklagande", Closed: "2022-01-10", LegalForce: "2022-02-28"},
			"Gallras 2023-08-28 enligt regel 5.1, beslut KS 2019-05-12 § 45, dnr KS 2019/123", nil},
		{"legal force missing", records.Case{ID: "KS 2022/4", Classification: "5.1", CaseType: "Överklagande", Closed: "2022-01-10"},
			"Bevaras: datum saknas för laga kraft (regel 5.1, granskas)", nil},
		{"closed missing", records.Case{ID: "BN 2023/1", Classification: "2.3", CaseType: "Strandskyddsdispens"},
			"Bevaras: datum saknas för ärendets avslut (regel 2.3.2, granskas)", nil},
		{"closed unreadable", records.Case{ID: "BN 2023/2", Classification: "2.3", CaseType: "Strandskyddsdispens", Closed: "30/5 2020"},
			"Bevaras: datum för ärendets avslut går inte att läsa: 30/5 2020 (regel 2.3.2, granskas)", nil},
		{"document date, case from latest document", records.Case{ID: "KS 2020/8", Classification: "7.1", Closed: "2021-06-01",
			Documents: []records.Document{{ID: "a", Date: "2020-01-31"}, {ID: "b", Date: "2020-11-30T08:00:00"}, {ID: "c"}}},
			"Gallras 2021-11-30 enligt regel 7.1, beslut KS 2019-05-12 § 45, dnr KS 2019/123", []doc{
				{"a", "Gallras 2021-01-31 enligt regel 7.1, beslut KS 2019-05-12 § 45, dnr KS 2019/123"},
				{"b", "Gallras 2021-11-30 enligt regel 7.1, beslut KS 2019-05-12 § 45, dnr KS 2019/123"},
				{"c", "Bevaras: datum saknas för handlingens datum (regel 7.1, granskas)"},
			}},
		{"document date, case without dated documents", records.Case{ID: "KS 2020/9", Classification: "7.1", Closed: "2021-06-01"},
			"Gallras 2022-06-01 enligt regel 7.1, beslut KS 2019-05-12 § 45, dnr KS 2019/123", nil},
		{"frist 0 from document date", records.Case{ID: "KS 2020/10", Classification: "6.1", Closed: "2021-06-01",
			Documents: []records.Document{{ID: "dagbok", Type: "Dagbok", Date: "2021-05-03"}}},
			"Bevaras: ingen regel i planen matchar (granskas)", []doc{
				{"dagbok", "Gallras 2021-05-03 enligt regel 6.1"},
			}},
		{"vid inaktualitet", records.Case{ID: "KS 2020/11", Classification: "8.8", Closed: "2021-06-01",
			Documents: []records.Document{{ID: "mejl", Type: "e-post av tillfällig betydelse", Date: "2021-05-03"}}},
			"Bevaras: ingen regel i planen matchar (granskas)", []doc{
				{"mejl", "Bevaras: gallras vid inaktualitet: bedöm när (regel 4.2, granskas)"},
			}},
		// A case rule with a klass is more specific than a document rule
		// without one.
		{"klass before handlingstyp", records.Case{ID: "KS 2020/12", Classification: "1.1", Closed: "2021-06-01",
			Documents: []records.Document{{ID: "mejl", Type: "E-post av tillfällig betydelse", Date: "2021-05-03"}}},
			"Bevaras enligt regel 1.1", []doc{{"mejl", "Bevaras enligt regel 1.1"}}},
		{"no rule", records.Case{ID: "X 1", Classification: "8.8", Closed: "2020-01-01"},
			"Bevaras: ingen regel i planen matchar (granskas)", nil},
		{"gallras without frist", records.Case{ID: "X 2", Classification: "7.3", Closed: "2020-01-01"},
			"Bevaras: regeln saknar gallringsfrist (regel 7.3, granskas)", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Evaluate(plan, v, tc.c)
			if got.Case != tc.c.ID {
				t.Errorf("Case = %q, want %q", got.Case, tc.c.ID)
			}
			check := func(what string, o Outcome, want string) {
				t.Helper()
				if o.Text() != want {
					t.Errorf("%s: %s, want %s", what, o.Text(), want)
				}
				if o.Basis.Plan != v {
					t.Errorf("%s: Basis.Plan = %q, want %q", what, o.Basis.Plan, v)
				}
				if o.Review != "" && o.Outcome != Bevaras || o.Outcome == Gallras && o.Date == "" || o.Outcome == Bevaras && o.Date != "" {
					t.Errorf("%s: inconsistent outcome %+v", what, o)
				}
			}
			check("case", got.Outcome, tc.want)
			if len(got.Documents) != len(tc.docs) {
				t.Fatalf("%d document outcomes, want %d", len(got.Documents), len(tc.docs))
			}
			for i, d := range tc.docs {
				if got.Documents[i].Document != d.id {
					t.Errorf("document %d = %q, want %q", i, got.Documents[i].Document, d.id)
				}
				check("document "+d.id, got.Documents[i].Outcome, d.want)
			}
		})
	}
}

// TestEvaluateBasis checks the whole record of one verdict, as the archive
// keeps it to explain the verdict later.
func TestEvaluateBasis(t *testing.T) {
	c := records.Case{ID: "MBN 2019/5", Classification: "2.3.4", CaseType: "Strandskyddsdispens", Closed: "2019-02-01"}
	got, err := json.Marshal(Evaluate(samplePlan(t), "v3", c))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"case":"MBN 2019/5","outcome":{"outcome":"gallras","date":"2029-12-31","basis":{"rule":"2.3.2","plan":"v3",` +
		`"trigger":"kalenderårets slut","triggerDate":"2019-12-31","frist":"10 år","decision":"KS 2019-05-12 § 45, dnr KS 2019/123"}}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	none := Evaluate(nil, "v3", records.Case{ID: "X"})
	if none.Outcome.Review != ReviewNoRule || none.Outcome.Outcome != Bevaras || none.Outcome.Basis != (Basis{Plan: "v3"}) {
		t.Errorf("empty plan: %+v", none.Outcome)
	}
}

func TestOutcomeLater(t *testing.T) {
	keep := Outcome{Outcome: Bevaras, Basis: Basis{Rule: "1.1"}}
	review := Outcome{Outcome: Bevaras, Review: ReviewNoRule}
	early := Outcome{Outcome: Gallras, Date: "2025-03-01"}
	late := Outcome{Outcome: Gallras, Date: "2031-12-31"}
	for _, tc := range []struct {
		name string
		o, p Outcome
		want bool
	}{
		{"bevaras over gallras", keep, late, true},
		{"gallras under bevaras", late, keep, false},
		{"review is bevaras", review, late, true},
		{"bevaras and review", keep, review, true},
		{"later date", late, early, true},
		{"earlier date", early, late, false},
		{"same date", early, early, true},
		{"gallras without a date is kept", Outcome{Outcome: Gallras}, late, true},
	} {
		if got := tc.o.Later(tc.p); got != tc.want {
			t.Errorf("%s: Later = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestOutcomeText(t *testing.T) {
	for _, tc := range []struct {
		o    Outcome
		want string
	}{
		{Outcome{Outcome: Gallras, Date: "2031-12-31", Basis: Basis{Rule: "2.3.1", Decision: "KS 2019/123 § 45"}}, "Gallras 2031-12-31 enligt regel 2.3.1, beslut KS 2019/123 § 45"},
		{Outcome{Outcome: Gallras, Date: "2031-12-31", Basis: Basis{Rule: "2.3.1"}}, "Gallras 2031-12-31 enligt regel 2.3.1"},
		{Outcome{Outcome: Bevaras, Basis: Basis{Rule: "1.1"}}, "Bevaras enligt regel 1.1"},
		{Outcome{Outcome: Bevaras, Review: ReviewNoRule}, "Bevaras: ingen regel i planen matchar (granskas)"},
	} {
		if got := tc.o.Text(); got != tc.want {
			t.Errorf("Text() = %q, want %q", got, tc.want)
		}
	}
}

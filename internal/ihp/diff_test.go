package ihp

import (
	"reflect"
	"testing"
)

func TestDiff(t *testing.T) {
	old := samplePlan(t)
	next := samplePlan(t)
	next[2].Frist = mustFrist(t, "3 år")                    // 2.3.1.1
	next[2].Decision = "KS 2024-02-01 § 12, dnr KS 2024/17" //
	next[3].From = ""                                       // 2.3.2: kalenderårets slut -> ärendets avslut
	next[8].From = DocumentDate                             // 6.1 unchanged
	next = append(next[:6], next[7:]...)                    // 4.2 removed
	next = append(next,
		Rule{ID: "2.10", Class: "2.10", Action: Bevaras},
		Rule{ID: "2.9", Class: "2.9", Action: Gallras, Frist: mustFrist(t, "1 år")},
	)
	old[1].From = CaseClosed // explicit default: no change against empty

	got := Diff(old, next)
	type change struct {
		kind, rule string
		fields     []string
	}
	want := []change{
		{Changed, "2.3.1.1", []string{"Gallringsfrist", "Beslut"}},
		{Changed, "2.3.2", []string{"Räknas från"}},
		{Added, "2.9", nil},
		{Added, "2.10", nil},
		{Removed, "4.2", nil},
	}
	if len(got) != len(want) {
		t.Fatalf("Diff = %+v, want %d changes", got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Kind != w.kind || g.Rule != w.rule || !reflect.DeepEqual(g.Fields, w.fields) {
			t.Errorf("change %d = %s %s %v, want %s %s %v", i, g.Kind, g.Rule, g.Fields, w.kind, w.rule, w.fields)
		}
		switch g.Kind {
		case Added:
			if g.Old != nil || g.New == nil || g.New.ID != g.Rule {
				t.Errorf("added %s: old %v new %v", g.Rule, g.Old, g.New)
			}
		case Removed:
			if g.New != nil || g.Old == nil || g.Old.ID != g.Rule {
				t.Errorf("removed %s: old %v new %v", g.Rule, g.Old, g.New)
			}
		case Changed:
			if g.Old == nil || g.New == nil || g.Old.ID != g.Rule || g.New.ID != g.Rule {
				t.Errorf("changed %s: old %v new %v", g.Rule, g.Old, g.New)
			}
		}
	}
	if got[0].Old.Frist.String() != "2 år" || got[0].New.Frist.String() != "3 år" {
		t.Errorf("2.3.1.1: old %s new %s", got[0].Old.Frist, got[0].New.Frist)
	}
	if d := Diff(old, old); len(d) != 0 {
		t.Errorf("Diff of a plan with itself = %+v", d)
	}
	all := Diff(nil, old)
	if len(all) != len(old) || all[0].Rule != "1.1" || all[len(all)-1].Rule != "6.1" {
		t.Errorf("Diff from nothing = %+v", all)
	}
}

package ihp

import "testing"

func TestMatch(t *testing.T) {
	plan := Rules{
		{ID: "9", Action: Bevaras}, // catch-all
		{ID: "2.3", Class: "2.3", Action: Gallras, Frist: mustFrist(t, "10 år")},
		{ID: "2.3.1", Class: "2.3.1", CaseType: "Bygglov", Action: Bevaras},
		{ID: "2.3.1.1", Class: "2.3.1", CaseType: "Bygglov", DocType: "Kvittens", Action: Gallras, Frist: mustFrist(t, "2 år")},
		{ID: "2.3.1.2", Class: "2.3.1", DocType: "Ritning", Action: Gallras, Frist: mustFrist(t, "1 år")},
		{ID: "2.30", Class: "2.30", Action: Gallras, Frist: mustFrist(t, "1 år")},
		{ID: "3.1", Class: "3.1", CaseType: "Ansökan om ekonomiskt bistånd", Action: Gallras, Frist: mustFrist(t, "5 år")},
		{ID: "3.1.1", Class: "3.1", CaseType: "Ansökan om ekonomiskt bistånd", Exception: true, Action: Bevaras},
		{ID: "3.2.1", Class: "3.2", Action: Gallras, Frist: mustFrist(t, "2 år")},
		{ID: "3.2.2", Class: "3.2", DocType: "Journalanteckning", Action: Gallras, Frist: mustFrist(t, "5 år")},
		{ID: "4.1", DocType: "E-post av tillfällig betydelse", Action: Gallras, Frist: mustFrist(t, "vid inaktualitet")},
		{ID: "4.1.1", Class: "4", Exception: true, DocType: "E-post av tillfällig betydelse", Action: Gallras, Frist: mustFrist(t, "30 dagar")},
	}
	// Two equally specific rules (an invalid plan Match must still decide
	// safely): the one keeping longest wins, then the lowest id.
	ties := Rules{
		{ID: "7.10", Class: "7", Action: Gallras, Frist: mustFrist(t, "1 år")},
		{ID: "7.9", Class: "7", Action: Gallras, Frist: mustFrist(t, "1 år")},
		{ID: "7.2", Class: "7", Action: Gallras, Frist: mustFrist(t, "12 månader")},
		{ID: "8.1", Class: "8", Action: Gallras, Frist: mustFrist(t, "18 månader")},
		{ID: "8.2", Class: "8", Action: Gallras, Frist: mustFrist(t, "1 år")},
		{ID: "8.3", Class: "8", Action: Bevaras},
		{ID: "8.4", Class: "8", Action: Gallras, Frist: mustFrist(t, "vid inaktualitet")},
	}
	for _, tc := range []struct {
		name string
		plan Rules
		s    Subject
		want string // rule id, "" for none
	}{
		{"class prefix", plan, Subject{Class: "2.3.4"}, "2.3"},
		{"class itself", plan, Subject{Class: "2.3"}, "2.3"},
		{"not a segment prefix", plan, Subject{Class: "2.31"}, "9"},
		{"2.30 is not 2.3", plan, Subject{Class: "2.30"}, "2.30"},
		{"2.30.1 under 2.30", plan, Subject{Class: "2.30.1"}, "2.30"},
		{"longer class wins", plan, Subject{Class: "2.3.1.5", CaseType: "Bygglov"}, "2.3.1"},
		{"case type must match", plan, Subject{Class: "2.3.1", CaseType: "Marklov"}, "2.3"},
		{"case type ignores case and spaces", plan, Subject{Class: "2.3.1", CaseType: " BYGGLOV "}, "2.3.1"},
		{"diacritics", plan, Subject{Class: "3.1", CaseType: "ansokan om ekonomiskt bistand"}, "3.1.1"},
		{"case ignores document rules", plan, Subject{Class: "2.3.1", CaseType: "Bygglov", DocType: "Kvittens"}, "2.3.1"},
		{"document rule", plan, Subject{Class: "2.3.1", CaseType: "Bygglov", DocType: "kvittens", Document: true}, "2.3.1.1"},
		{"document falls back to the case rule", plan, Subject{Class: "2.3.1", CaseType: "Bygglov", DocType: "Beslut", Document: true}, "2.3.1"},
		{"case type beats doc type", plan, Subject{Class: "2.3.1", CaseType: "Bygglov", DocType: "Ritning", Document: true}, "2.3.1"},
		{"doc type when case type is absent", plan, Subject{Class: "2.3.1", CaseType: "Marklov", DocType: "Ritning", Document: true}, "2.3.1.2"},
		{"doc type beats none", plan, Subject{Class: "3.2", DocType: "Journalanteckning", Document: true}, "3.2.2"},
		{"exception beats default", plan, Subject{Class: "3.1", CaseType: "Ansökan om ekonomiskt bistånd"}, "3.1.1"},
		{"exception beats more specific", plan, Subject{Class: "4.5.6", DocType: "E-post av tillfällig betydelse", Document: true}, "4.1.1"},
		{"exception outside its class", plan, Subject{Class: "5", DocType: "E-post av tillfällig betydelse", Document: true}, "4.1"},
		{"catch-all", plan, Subject{}, "9"},
		{"no rule", plan[1:], Subject{Class: "5.1"}, ""},
		{"tie: lowest id", ties[:2], Subject{Class: "7"}, "7.9"},
		{"tie: 12 månader is 1 år, lowest id", ties[:3], Subject{Class: "7.1"}, "7.2"},
		{"tie: longer frist", ties[3:5], Subject{Class: "8"}, "8.1"},
		{"tie: bevaras", ties[3:], Subject{Class: "8"}, "8.3"},
		{"tie: vid inaktualitet", append(Rules{ties[3], ties[6]}, ties[4]), Subject{Class: "8"}, "8.4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := tc.plan.Match(tc.s)
			got := ""
			if ok {
				got = r.ID
			}
			if got != tc.want {
				t.Errorf("Match(%+v) = %q, want %q", tc.s, got, tc.want)
			}
			if ok && r != &tc.plan[indexOf(tc.plan, got)] {
				t.Errorf("Match returns a copy, not the plan's rule")
			}
		})
	}
}

func indexOf(rs Rules, id string) int {
	for i, r := range rs {
		if r.ID == id {
			return i
		}
	}
	return -1
}

func TestCompareIDs(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"2.9", "2.10", -1}, {"2.3", "2.3.1", -1}, {"10", "9", 1}, {"1.1", "1.1", 0}, {"3.1", "3.A", -1}, {"A.1", "A.2", -1},
	} {
		if got := compareIDs(tc.a, tc.b); got != tc.want {
			t.Errorf("compareIDs(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

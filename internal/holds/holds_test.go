package holds

import (
	"testing"
	"time"
)

func TestParseQuery(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Query
		err  bool
	}{
		{in: `klass=2.3`, want: Query{Class: "2.3"}},
		{in: `ärendetyp=Bygglov arkivbildare="Bygg- och miljönämnden" avslutad>=2019-01-01 avslutad<=2020-12-31`,
			want: Query{CaseType: "Bygglov", Creator: "Bygg- och miljönämnden", ClosedFrom: "2019-01-01", ClosedTo: "2020-12-31"}},
		{in: `avslutad=2020-05-30`, want: Query{ClosedFrom: "2020-05-30", ClosedTo: "2020-05-30"}},
		{in: ``, err: true},
		{in: `klass>=2`, err: true},
		{in: `titel=x`, err: true},
		{in: `avslutad<=igår`, err: true},
		{in: `arkivbildare="öppen`, err: true},
		{in: `klass`, err: true},
	} {
		q, err := ParseQuery(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("%q: err %v", tc.in, err)
			continue
		}
		if err == nil {
			if *q != tc.want {
				t.Errorf("%q: %+v, want %+v", tc.in, *q, tc.want)
			}
			back, err := ParseQuery(q.String())
			if err != nil || *back != *q {
				t.Errorf("%q: String %q reads back as %+v %v", tc.in, q.String(), back, err)
			}
		}
	}
}

func TestCovers(t *testing.T) {
	rec := Target{AIP: "a1", Case: "BN 2020/1", Class: "2.3.1", CaseType: "Bygglov", Creator: "Byggnadsnämnden", Closed: "2020-05-30T00:00:00"}
	q := func(s string) Scope {
		x, err := ParseQuery(s)
		if err != nil {
			t.Fatal(err)
		}
		return Scope{Query: x}
	}
	for _, tc := range []struct {
		name  string
		scope Scope
		want  bool
	}{
		{"aip", Scope{AIP: "a1"}, true},
		{"other aip", Scope{AIP: "a2"}, false},
		{"case", Scope{Case: "BN 2020/1"}, true},
		{"class prefix", q("klass=2.3"), true},
		{"class not a prefix by segment", q("klass=2.30"), false},
		{"type any case", q("ärendetyp=bygglov"), true},
		{"dates in", q("avslutad>=2020-01-01 avslutad<=2020-12-31"), true},
		{"dates out", q("avslutad<=2019-12-31"), false},
		{"creator", q(`arkivbildare=Socialnämnden`), false},
	} {
		h := &Hold{Scope: tc.scope, Placed: time.Now()}
		if got := h.Covers(rec); got != tc.want {
			t.Errorf("%s: covers %v, want %v", tc.name, got, tc.want)
		}
	}
	h := &Hold{Scope: Scope{AIP: "a1"}, Lifted: time.Now()}
	if h.Covers(rec) {
		t.Error("a lifted hold covers a record")
	}
	if _, err := New("alfa", Scope{}, "tvist", "", "anna", time.Now()); err == nil {
		t.Error("a hold without scope was made")
	}
	if _, err := New("alfa", Scope{Case: "BN 2020/1"}, " ", "", "anna", time.Now()); err == nil {
		t.Error("a hold without reason was made")
	}
	if _, err := New("alfa", Scope{AIP: "not-a-uuid"}, "tvist", "", "anna", time.Now()); err == nil {
		t.Error("a hold on a bad AIP id was made")
	}
}

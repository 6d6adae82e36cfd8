package ihp

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/earkiv/earkiv/internal/units"
)

func TestParseFrist(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		period   units.Period
		inakt    bool
	}{
		{"5 år", "5 år", units.Years(5), false},
		{"1 år", "1 år", units.Years(1), false},
		{" 5  ÅR ", "5 år", units.Years(5), false},
		{"5år", "5 år", units.Years(5), false},
		{"18 månader", "18 månader", units.Months(18), false},
		{"1 månad", "1 månad", units.Months(1), false},
		{"3 mån", "3 månader", units.Months(3), false},
		{"30 dagar", "30 dagar", units.Days(30), false},
		{"1 dag", "1 dag", units.Days(1), false},
		{"2 veckor", "14 dagar", units.Days(14), false},
		{"1 vecka", "7 dagar", units.Days(7), false},
		{"0", "0", units.Period{}, false},
		{"0 år", "0", units.Period{}, false},
		{"vid inaktualitet", "vid inaktualitet", units.Period{}, true},
		{"Vid Inaktualitet", "vid inaktualitet", units.Period{}, true},
		{"5y", "5 år", units.Years(5), false},
		{"18m", "18 månader", units.Months(18), false},
		{"30d", "30 dagar", units.Days(30), false},
		{"10 Y", "10 år", units.Years(10), false},
	} {
		f, err := ParseFrist(tc.in)
		if err != nil {
			t.Errorf("ParseFrist(%q): %v", tc.in, err)
			continue
		}
		if f.Period != tc.period || f.Inaktualitet != tc.inakt || !f.IsSet() {
			t.Errorf("ParseFrist(%q) = %+v, want period %v inaktualitet %v", tc.in, f, tc.period, tc.inakt)
		}
		if got := f.String(); got != tc.want {
			t.Errorf("ParseFrist(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
		back, err := ParseFrist(f.String())
		if err != nil || back != f {
			t.Errorf("ParseFrist(%q) does not read back its String %q: %+v, %v", tc.in, f, back, err)
		}
	}
}

func TestParseFristRefuses(t *testing.T) {
	for _, in := range []string{"", "fem år", "5", "5 timmar", "-1 år", "5 år 3 månader", "36h", "10 sekel", "99999 år"} {
		if f, err := ParseFrist(in); err == nil {
			t.Errorf("ParseFrist(%q) = %v, want an error", in, f)
		}
	}
	_, err := ParseFrist("fem år")
	if want := `"fem år" är ingen frist (skriv t.ex. 5 år, 18 månader, 30 dagar, 0 eller vid inaktualitet)`; err == nil || err.Error() != want {
		t.Errorf("ParseFrist(fem år) error = %v, want %s", err, want)
	}
}

// TestFristZero checks that a frist left out is not "0": a gallras rule
// without a frist must not read as destroy at once.
func TestFristZero(t *testing.T) {
	var none Frist
	zero, _ := ParseFrist("0")
	if none.IsSet() || !zero.IsSet() {
		t.Fatalf("IsSet: none %v, zero %v", none.IsSet(), zero.IsSet())
	}
	if none.String() != "" || zero.String() != "0" {
		t.Errorf("String: none %q, zero %q", none, zero)
	}
	if (Frist{Period: units.Years(3)}).String() != "3 år" {
		t.Errorf("a Frist built with a period is given")
	}
}

func TestFristJSON(t *testing.T) {
	f, _ := ParseFrist("18 månader")
	b, err := json.Marshal(struct{ F Frist }{f})
	if err != nil || string(b) != `{"F":"18 månader"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var back struct{ F Frist }
	if err := json.Unmarshal(b, &back); err != nil || back.F != f {
		t.Fatalf("Unmarshal = %+v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"F":""}`), &back); err != nil || back.F.IsSet() {
		t.Errorf(`Unmarshal "" = %+v, %v; want no frist`, back, err)
	}
	err = json.Unmarshal([]byte(`{"F":"fem år"}`), &back)
	if err == nil || !strings.Contains(err.Error(), "ingen frist") {
		t.Errorf("Unmarshal bad frist: %v", err)
	}
}

package ihp

import "testing"

func TestFold(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Ärendetyp", "arendetyp"},
		{"  ÅTGÄRD  ", "atgard"},
		{"A\u030arendetyp", "arendetyp"}, // Å written decomposed, as macOS does
		{"Ansökan  om\tekonomiskt bistånd ", "ansokan om ekonomiskt bistand"},
		{"Överklagande", "overklagande"},
		{"Åtgärd é ü ø", "atgard e u ø"},
		{"", ""},
	} {
		if got := fold(tc.in); got != tc.want {
			t.Errorf("fold(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if !foldEqual(tc.in, tc.want) {
			t.Errorf("foldEqual(%q, %q) = false", tc.in, tc.want)
		}
	}
	for _, tc := range [][2]string{{"Bygglov", "Bygglovs"}, {"bygg lov", "bygglov"}, {"", "x"}} {
		if foldEqual(tc[0], tc[1]) {
			t.Errorf("foldEqual(%q, %q) = true", tc[0], tc[1])
		}
	}
	if got := foldKey("Bevaras / Gallras"); got != "bevarasgallras" {
		t.Errorf("foldKey = %q", got)
	}
}

func TestClassPrefix(t *testing.T) {
	for _, tc := range []struct {
		rule, record string
		want         bool
	}{
		{"2.3", "2.3", true}, {"2.3", "2.3.1", true}, {"2.3", "2.30", false}, {"2.3", "2", false},
		{"", "7.1", true}, {" 2.3. ", "2.3.1", true}, {"KS1.2", "ks1.2.4", true}, {"2.3.1", "2.3", false},
	} {
		if got := classPrefix(normClass(tc.rule), normClass(tc.record)); got != tc.want {
			t.Errorf("classPrefix(%q, %q) = %v, want %v", tc.rule, tc.record, got, tc.want)
		}
	}
}

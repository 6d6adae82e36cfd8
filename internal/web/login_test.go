package web

import (
	"slices"
	"testing"

	"github.com/earkiv/earkiv/internal/tenant"
)

func TestSortByName(t *testing.T) {
	ts := []*tenant.Tenant{{Name: "Östra kommun"}, {Name: "Ängby kommun"}, {Name: "åby kommun"}, {Name: "Zeta kommun"}, {Name: "Alfaby kommun"}}
	sortByName(ts)
	var got []string
	for _, x := range ts {
		got = append(got, x.Name)
	}
	want := []string{"Alfaby kommun", "Zeta kommun", "åby kommun", "Ängby kommun", "Östra kommun"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestLocalPath(t *testing.T) {
	for s, want := range map[string]bool{
		"/":                         true,
		"/arenden/x/KS%202025%2F1":  true,
		"/nycklar?klart=aterkallad": true,
		"":                          false,
		"arenden":                   false,
		"//evil.example/":           false,
		"/\\evil.example":           false,
		"https://evil.example/":     false,
		"/inloggning":               false,
		"/ok\r\nSet-Cookie: x=y":    false,
	} {
		if got := localPath(s); got != want {
			t.Errorf("localPath(%q) = %v, want %v", s, got, want)
		}
	}
}

package people

import (
	"errors"
	"slices"
	"testing"

	"github.com/earkiv/earkiv/internal/tenant"
)

func TestParseRole(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Role
	}{
		{"läsare", Lasare}, {"lasare", Lasare}, {"LÄSARE", Lasare}, {"La\u0308sare", Lasare}, {" Läsare ", Lasare},
		{"arkivarie", Arkivarie}, {"Arkivansvarig", Arkivansvarig},
		{"administratör", Administrator}, {"administrator", Administrator}, {"ADMINISTRATÖR", Administrator},
		{"drift", Drift}, {"DRIFT", Drift},
		{"admin", ""}, {"läsare,arkivarie", ""}, {"", ""}, {"reader", ""},
	} {
		got, err := ParseRole(c.in)
		if got != c.want || (err == nil) != (c.want != "") {
			t.Errorf("ParseRole(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
		if err != nil && !errors.Is(err, ErrRole) {
			t.Errorf("ParseRole(%q): %v is not ErrRole", c.in, err)
		}
	}
	got, err := ParseRoles([]string{"arkivarie", "lasare", "Läsare"})
	if err != nil || !slices.Equal(got, []Role{Lasare, Arkivarie}) {
		t.Errorf("ParseRoles: %v %v, want each once in the order of Roles", got, err)
	}
}

// TestDriftOnlyOperator: drift is for the joint body's own people; a
// municipality's person cannot hold it, with other roles or alone.
func TestDriftOnlyOperator(t *testing.T) {
	kommun := &tenant.Tenant{ID: "alfa"}
	forbund := &tenant.Tenant{ID: "forbundet", Operator: true}
	for _, c := range []struct {
		t     *tenant.Tenant
		roles []Role
		ok    bool
	}{
		{kommun, []Role{Lasare}, true},
		{kommun, []Role{Arkivarie, Administrator}, true},
		{kommun, []Role{Drift}, false},
		{kommun, []Role{Arkivarie, Drift}, false},
		{forbund, []Role{Drift}, true},
		{forbund, []Role{Drift, Arkivarie}, true},
		{kommun, nil, false},
		{kommun, []Role{"superuser"}, false},
	} {
		err := CheckRoles(c.t, c.roles)
		if (err == nil) != c.ok || err != nil && !errors.Is(err, ErrRole) {
			t.Errorf("%s %v: %v, want ok=%v", c.t.ID, c.roles, err, c.ok)
		}
	}
}

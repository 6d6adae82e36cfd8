package people

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/earkiv/earkiv/internal/tenant"
)

// Role is what a person may do in their tenant. Its value is the Swedish
// name, as archivists say it and as it is stored.
type Role string

// The roles of issue 15. Each is granted per tenant; none reaches across.
const (
	// Lasare searches and reads public metadata and unrestricted documents.
	Lasare Role = "läsare"
	// Arkivarie reads everything of the municipality, restricted records
	// with a logged reason, and prepares gallring lists and release cases.
	Arkivarie Role = "arkivarie"
	// Arkivansvarig attests gallring and decides refusals in release cases.
	Arkivansvarig Role = "arkivansvarig"
	// Administrator manages people and login settings, never record content.
	Administrator Role = "administratör"
	// Drift runs the service (tenants, audits, metrics); only the joint
	// body's own people hold it, and it sees no record content.
	Drift Role = "drift"
)

// Roles is every role, in the order they are shown and stored.
var Roles = []Role{Lasare, Arkivarie, Arkivansvarig, Administrator, Drift}

// ErrRole marks a role that is unknown or not allowed for the tenant.
var ErrRole = errors.New("role refused")

// ascii are the spellings a keyboard or a script without å, ä and ö gives.
var ascii = map[string]Role{"lasare": Lasare, "administrator": Administrator}

// ParseRole reads a role in Swedish or in ASCII ("lasare",
// "administrator"), in any case, and returns its Swedish form.
func ParseRole(s string) (Role, error) {
	// A decomposed ä or ö (as macOS may pass an argument) is the same letter.
	n := strings.NewReplacer("a\u0308", "ä", "o\u0308", "ö", "A\u0308", "ä", "O\u0308", "ö").Replace(strings.TrimSpace(s))
	n = strings.ToLower(n)
	if r, ok := ascii[n]; ok {
		return r, nil
	}
	if slices.Contains(Roles, Role(n)) {
		return Role(n), nil
	}
	return "", fmt.Errorf("%w: unknown role %q: want one of %s", ErrRole, s, roleList())
}

// ParseRoles reads several roles and returns them once each, in the order
// of Roles, so two lists of the same roles compare equal.
func ParseRoles(ss []string) ([]Role, error) {
	var got []Role
	for _, s := range ss {
		r, err := ParseRole(s)
		if err != nil {
			return nil, err
		}
		got = append(got, r)
	}
	return normalize(got), nil
}

func normalize(rs []Role) []Role {
	var out []Role
	for _, r := range Roles {
		if slices.Contains(rs, r) {
			out = append(out, r)
		}
	}
	for _, r := range rs { // unknown ones stay visible to CheckRoles
		if !slices.Contains(Roles, r) && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// CheckRoles tells whether a person of t may hold roles: at least one,
// each known, and drift only in the operator tenant (the joint body
// itself), since a municipality's staff must not run the service that
// holds every other municipality's records.
func CheckRoles(t *tenant.Tenant, roles []Role) error {
	if len(roles) == 0 {
		return fmt.Errorf("%w: a person needs at least one role (%s)", ErrRole, roleList())
	}
	for _, r := range roles {
		if !slices.Contains(Roles, r) {
			return fmt.Errorf("%w: unknown role %q: want one of %s", ErrRole, r, roleList())
		}
		if r == Drift && !t.Operator {
			return fmt.Errorf("%w: drift is only for the joint body's own people, and %s is not the operator tenant", ErrRole, t.ID)
		}
	}
	return nil
}

func roleList() string { return Join(Roles) }

// Join writes roles as a list, "läsare, arkivarie", as commands, pages
// and the access log show them.
func Join(rs []Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

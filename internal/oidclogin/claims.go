package oidclogin

import (
	"fmt"
	"strings"

	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/tenant"
)

// identity reads the id, name and roles claims the tenant names. Values of
// the roles claim the role map does not name are ignored: a provider
// reports all of a person's groups, most of which are not earkiv's.
func identity(t *tenant.Tenant, c *client, issuer, subject string, claims map[string]any) (*Identity, error) {
	o := t.OIDC
	raw, _ := claims[o.IDClaimName()].(string)
	if raw == "" {
		return nil, fmt.Errorf("%w: tenant %s: the ID token has no string claim %q (oidc id_claim)", ErrProvider, t.ID, o.IDClaimName())
	}
	person := strings.ToLower(raw)
	if err := ids.Person(person); err != nil {
		return nil, fmt.Errorf("%w: tenant %s: claim %q: %w", ErrProvider, t.ID, o.IDClaimName(), err)
	}
	name, _ := claims[o.NameClaimName()].(string)
	if name = strings.TrimSpace(clip(name)); name == "" {
		name = person
	}
	values, err := stringsClaim(claims, o.RolesClaimName())
	if err != nil {
		return nil, fmt.Errorf("%w: tenant %s: %w", ErrProvider, t.ID, err)
	}
	var roles []people.Role
	for _, v := range values {
		if r, ok := c.roles[v]; ok {
			roles = append(roles, r)
		}
	}
	if len(roles) == 0 {
		return nil, fmt.Errorf("%w: tenant %s: %s (%s) has no group that oidc role_map maps to a role", ErrNoRole, t.ID, person, o.RolesClaimName())
	}
	// The map was checked when the client was made; checking again keeps a
	// drift role out of a municipality even if that check were skipped.
	roles, err = people.ParseRoles(roleStrings(roles))
	if err == nil {
		err = people.CheckRoles(t, roles)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: tenant %s: %w", ErrConfig, t.ID, err)
	}
	return &Identity{Tenant: t.ID, Person: person, Name: name, Subject: subject, Issuer: issuer, Roles: roles}, nil
}

// stringsClaim reads a claim that is a string (one value) or an array of
// strings; a missing claim is no values.
func stringsClaim(claims map[string]any, name string) ([]string, error) {
	switch v := claims[name].(type) {
	case nil:
		return nil, nil
	case string:
		return []string{v}, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("claim %q holds %T, want strings", name, e)
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("claim %q is %T, want a string or an array of strings", name, v)
	}
}

func roleStrings(rs []people.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

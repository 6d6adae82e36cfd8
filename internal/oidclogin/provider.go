package oidclogin

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/tenant"
)

// ErrConfig marks a tenant's oidc block that cannot be used: a role name
// that is unknown or not allowed for the tenant, or a client shared with
// another tenant.
var ErrConfig = errors.New("oidc configuration refused")

// client is one tenant's provider, as discovered, with the OAuth2 client
// and ID token verifier for it.
type client struct {
	key      [32]byte // of the config values it was made from
	tenant   string
	conf     *tenant.OIDC
	provider *oidc.Provider
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	roles    map[string]people.Role
}

// fingerprint keys the cache by every value of the block and the secret, so
// a reloaded tenants file with a changed block, or a rotated secret file,
// gives a new client.
func fingerprint(o *tenant.OIDC, secret string) [32]byte {
	b, err := json.Marshal(struct {
		O      *tenant.OIDC
		File   string
		Secret string
	}{o, o.ClientSecretFile, secret})
	if err != nil { // a struct of strings always encodes
		panic(err)
	}
	return sha256.Sum256(b)
}

// CheckTenant reports what in t's oidc block the tenant package cannot
// check: each role_map value must be a role (people.ParseRole) that t may
// hold (people.CheckRoles: drift only in the operator tenant). A tenant
// without the block passes.
func CheckTenant(t *tenant.Tenant) error {
	_, err := roleMap(t)
	return err
}

// CheckRegistry runs CheckTenant on every tenant and refuses two tenants
// with the same issuer and client: a login there would be valid for both,
// and only the groups would keep one municipality's staff out of another.
// The service calls it with Registry.Check on every load and reload.
func CheckRegistry(r *tenant.Registry) error {
	for _, t := range r.Tenants {
		if err := CheckTenant(t); err != nil {
			return err
		}
		if err := checkShared(r, t); err != nil {
			return err
		}
	}
	return nil
}

func checkShared(r *tenant.Registry, t *tenant.Tenant) error {
	if t.OIDC == nil {
		return nil
	}
	for _, o := range r.Tenants {
		if o.ID != t.ID && o.OIDC != nil && o.OIDC.Issuer == t.OIDC.Issuer && o.OIDC.ClientID == t.OIDC.ClientID {
			return fmt.Errorf("%w: tenants %s and %s share the oidc client %q at %s: give each its own client", ErrConfig, o.ID, t.ID, t.OIDC.ClientID, t.OIDC.Issuer)
		}
	}
	return nil
}

func roleMap(t *tenant.Tenant) (map[string]people.Role, error) {
	if t.OIDC == nil {
		return nil, nil
	}
	groups := make([]string, 0, len(t.OIDC.RoleMap))
	for g := range t.OIDC.RoleMap {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	m := make(map[string]people.Role, len(groups))
	for _, g := range groups {
		r, err := people.ParseRole(t.OIDC.RoleMap[g])
		if err == nil {
			err = people.CheckRoles(t, []people.Role{r})
		}
		if err != nil {
			return nil, fmt.Errorf("%w: tenant %s: oidc role_map: group %q: %w", ErrConfig, t.ID, g, err)
		}
		m[g] = r
	}
	return m, nil
}

// client returns t's client, discovering the provider the first time and
// again whenever the block or the secret changed.
func (l *Login) client(ctx context.Context, reg *tenant.Registry, t *tenant.Tenant) (*client, error) {
	o := t.OIDC
	secret, err := o.Secret()
	if err != nil {
		return nil, fmt.Errorf("tenant %s: %w", t.ID, err)
	}
	key := fingerprint(o, secret)
	l.mu.Lock()
	c := l.clients[t.ID]
	l.mu.Unlock()
	if c != nil && c.key == key {
		return c, nil
	}
	roles, err := roleMap(t)
	if err != nil {
		return nil, err
	}
	if err := checkShared(reg, t); err != nil {
		return nil, err
	}
	// Discovery runs outside the lock, so a slow provider holds up only its
	// own tenant; two logins racing here both discover, and the last wins.
	// The provider keeps l.http for its key fetches, never ctx.
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, l.http), o.Issuer)
	if err != nil {
		return nil, fmt.Errorf("tenant %s: identity provider %s: discovery: %w", t.ID, o.Issuer, err)
	}
	var meta struct {
		Methods []string `json:"code_challenge_methods_supported"`
	}
	if err := p.Claims(&meta); err != nil {
		return nil, fmt.Errorf("tenant %s: identity provider %s: discovery document: %w", t.ID, o.Issuer, err)
	}
	if len(meta.Methods) > 0 && !slices.Contains(meta.Methods, "S256") {
		return nil, fmt.Errorf("tenant %s: identity provider %s does not offer PKCE with S256 (it offers %v)", t.ID, o.Issuer, meta.Methods)
	}
	c = &client{
		key:      key,
		tenant:   t.ID,
		conf:     o,
		provider: p,
		oauth: oauth2.Config{
			ClientID:     o.ClientID,
			ClientSecret: secret,
			Endpoint:     p.Endpoint(),
			RedirectURL:  l.cfg.RedirectURL,
			Scopes:       o.ScopeList(),
		},
		verifier: p.Verifier(&oidc.Config{ClientID: o.ClientID}),
		roles:    roles,
	}
	l.mu.Lock()
	l.clients[t.ID] = c
	l.mu.Unlock()
	l.log.Info("oidc provider discovered", "tenant", t.ID, "issuer", o.Issuer)
	return c, nil
}

package tenant

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// OIDC is a tenant's own identity provider: its people log in there (the
// authorisation code flow) and earkiv maps the groups it reports to roles.
// Each municipality runs its own provider, so each tenant names its own.
type OIDC struct {
	// Issuer is the provider's issuer URL, exactly as its discovery
	// document gives it. https, except on a loopback host.
	Issuer   string `yaml:"issuer" json:"issuer"`
	ClientID string `yaml:"client_id" json:"clientId"`
	// ClientSecretFile holds the client secret (its first line); the
	// secret itself in ClientSecret is for tests, since the tenants file
	// is read by more people than the secret should be.
	ClientSecretFile string `yaml:"client_secret_file,omitempty" json:"-"`
	ClientSecret     string `yaml:"client_secret,omitempty" json:"-"`
	// Scopes asked for; openid is always added. Default openid, profile.
	Scopes []string `yaml:"scopes,omitempty" json:"scopes,omitempty"`
	// IDClaim names the ID token claim that gives the person's id (lower
	// cased, then checked as a person id). Default preferred_username.
	IDClaim string `yaml:"id_claim,omitempty" json:"idClaim,omitempty"`
	// NameClaim names the claim with the person's name. Default name.
	NameClaim string `yaml:"name_claim,omitempty" json:"nameClaim,omitempty"`
	// RolesClaim names the claim (a string or an array of strings) whose
	// values RoleMap maps to roles. Default groups.
	RolesClaim string `yaml:"roles_claim,omitempty" json:"rolesClaim,omitempty"`
	// RoleMap maps a value of the roles claim (a group) to a role's name.
	// Values the map does not name give no role.
	RoleMap map[string]string `yaml:"role_map" json:"roleMap"`
	// Label is the login button's text; default "Logga in med <Name>".
	Label string `yaml:"label,omitempty" json:"label,omitempty"`
}

// Defaults of the optional OIDC fields.
const (
	DefaultIDClaim    = "preferred_username"
	DefaultNameClaim  = "name"
	DefaultRolesClaim = "groups"
)

// DefaultScopes are asked for when a tenant names none.
var DefaultScopes = []string{"openid", "profile"}

// Limits of the OIDC fields: enough for any real value, small enough that
// none bloats a cookie or a log line.
const (
	maxOIDCValue = 255
	maxOIDCLabel = 100 // runes
)

// ScopeList returns the scopes to ask for: openid first, then the others
// once each in the order given.
func (o *OIDC) ScopeList() []string {
	in := o.Scopes
	if len(in) == 0 {
		in = DefaultScopes
	}
	out := []string{"openid"}
	for _, s := range in {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// IDClaimName returns IDClaim or its default.
func (o *OIDC) IDClaimName() string { return orDefault(o.IDClaim, DefaultIDClaim) }

// NameClaimName returns NameClaim or its default.
func (o *OIDC) NameClaimName() string { return orDefault(o.NameClaim, DefaultNameClaim) }

// RolesClaimName returns RolesClaim or its default.
func (o *OIDC) RolesClaimName() string { return orDefault(o.RolesClaim, DefaultRolesClaim) }

// LabelText returns the login button's text for tenant t.
func (o *OIDC) LabelText(t *Tenant) string {
	if o.Label != "" {
		return o.Label
	}
	return "Logga in med " + t.Name
}

// Secret returns the client secret: ClientSecret, or the first line of
// ClientSecretFile, read on each call so a rotated secret takes effect
// without a restart.
func (o *OIDC) Secret() (string, error) {
	if o.ClientSecretFile == "" {
		return o.ClientSecret, nil
	}
	b, err := os.ReadFile(o.ClientSecretFile)
	if err != nil {
		return "", fmt.Errorf("oidc client_secret_file: %w", err)
	}
	s, _, _ := strings.Cut(string(b), "\n")
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("oidc client_secret_file %s is empty", o.ClientSecretFile)
	}
	return s, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// validate reports the first thing wrong with o, naming tenant id and the
// field. Role names are checked by the login package, which knows them:
// this package may not import people, which imports it.
func (o *OIDC) validate(id string) error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("tenant %s: oidc %s: %s", id, field, fmt.Sprintf(format, args...))
	}
	if err := checkIssuer(o.Issuer); err != nil {
		return bad("issuer", "%v", err)
	}
	if err := checkValue(o.ClientID); err != nil {
		return bad("client_id", "%v", err)
	}
	switch {
	case o.ClientSecret == "" && o.ClientSecretFile == "":
		return bad("client_secret_file", "is required (or client_secret)")
	case o.ClientSecret != "" && o.ClientSecretFile != "":
		return bad("client_secret_file", "give client_secret_file or client_secret, not both")
	case o.ClientSecretFile != "" && !filepath.IsAbs(o.ClientSecretFile):
		return bad("client_secret_file", "%q is not an absolute path", o.ClientSecretFile)
	case o.ClientSecret != "":
		if err := checkValue(o.ClientSecret); err != nil {
			return bad("client_secret", "%v", err)
		}
	}
	for _, s := range o.Scopes {
		if !isScopeToken(s) {
			return bad("scopes", "%q is not a scope (printable ASCII without spaces, quotes or backslashes)", s)
		}
	}
	for _, c := range []struct{ field, v string }{{"id_claim", o.IDClaim}, {"name_claim", o.NameClaim}, {"roles_claim", o.RolesClaim}} {
		if c.v == "" {
			continue
		}
		if err := checkValue(c.v); err != nil || strings.ContainsRune(c.v, ' ') {
			return bad(c.field, "%q is not a claim name", c.v)
		}
	}
	if len(o.RoleMap) == 0 {
		return bad("role_map", "is empty: nobody could log in (map the provider's groups to roles)")
	}
	keys := make([]string, 0, len(o.RoleMap))
	for k := range o.RoleMap {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := checkValue(k); err != nil {
			return bad("role_map", "group %q: %v", k, err)
		}
		if strings.TrimSpace(o.RoleMap[k]) == "" {
			return bad("role_map", "group %q maps to no role", k)
		}
	}
	if utf8.RuneCountInString(o.Label) > maxOIDCLabel || strings.IndexFunc(o.Label, unicode.IsControl) >= 0 {
		return bad("label", "want at most %d characters on one line", maxOIDCLabel)
	}
	return nil
}

// checkIssuer accepts an absolute https URL without query, fragment or
// user info; plain http only on a loopback host, where nothing on the
// network can read the exchange.
func checkIssuer(s string) error {
	if s == "" {
		return errors.New("is required")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL", s)
	}
	switch {
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("%q is not an absolute URL", s)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Contains(s, "#"):
		return fmt.Errorf("%q: an issuer has no user info, query or fragment", s)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	case u.Scheme == "http":
		return fmt.Errorf("%q: want https (plain http only on a loopback host)", s)
	default:
		return fmt.Errorf("%q: want an https URL", s)
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkValue(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return errors.New("is empty")
	case len(s) > maxOIDCValue:
		return fmt.Errorf("is %d bytes: at most %d", len(s), maxOIDCValue)
	case !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0:
		return errors.New("holds control characters or is not UTF-8")
	case s != strings.TrimSpace(s):
		return errors.New("has spaces at an end")
	}
	return nil
}

// isScopeToken is RFC 6749's scope-token: %x21 / %x23-5B / %x5D-7E.
func isScopeToken(s string) bool {
	if s == "" || len(s) > maxOIDCValue {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

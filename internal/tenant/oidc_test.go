package tenant

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func testOIDC() *OIDC {
	return &OIDC{
		Issuer:           "https://idp.exempelby.se/realms/kommun",
		ClientID:         "earkiv",
		ClientSecretFile: "/etc/earkiv/exempelby-oidc.secret",
		RoleMap:          map[string]string{"arkiv-lasare": "läsare"},
	}
}

// TestOIDCValidate: every field is checked, and the error names the tenant
// and the field, so an operator knows where to look.
func TestOIDCValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		mod  func(*OIDC)
		want string // "" accepts
	}{
		{"valid", func(*OIDC) {}, ""},
		{"loopback http", func(o *OIDC) { o.Issuer = "http://127.0.0.1:5556/dex" }, ""},
		{"localhost http", func(o *OIDC) { o.Issuer = "http://localhost:8080/realms/x" }, ""},
		{"ipv6 loopback http", func(o *OIDC) { o.Issuer = "http://[::1]:8080" }, ""},
		{"inline secret", func(o *OIDC) { o.ClientSecretFile, o.ClientSecret = "", "s3cret" }, ""},
		{"all optional fields", func(o *OIDC) {
			o.Scopes = []string{"openid", "profile", "email", "groups"}
			o.IDClaim, o.NameClaim, o.RolesClaim = "email", "given_name", "roles"
			o.Label = "Logga in med Exempelby kommuns konto"
		}, ""},
		{"no issuer", func(o *OIDC) { o.Issuer = "" }, "oidc issuer: is required"},
		{"plain http", func(o *OIDC) { o.Issuer = "http://idp.exempelby.se" }, "oidc issuer: \"http://idp.exempelby.se\": want https"},
		{"http on a lookalike", func(o *OIDC) { o.Issuer = "http://127.0.0.1.example.se" }, "want https"},
		{"relative issuer", func(o *OIDC) { o.Issuer = "idp.exempelby.se/realms/kommun" }, "oidc issuer: \"idp.exempelby.se/realms/kommun\" is not an absolute URL"},
		{"other scheme", func(o *OIDC) { o.Issuer = "ftp://idp.exempelby.se" }, "want an https URL"},
		{"query", func(o *OIDC) { o.Issuer = "https://idp.exempelby.se/?realm=x" }, "no user info, query or fragment"},
		{"fragment", func(o *OIDC) { o.Issuer = "https://idp.exempelby.se/#x" }, "no user info, query or fragment"},
		{"user info", func(o *OIDC) { o.Issuer = "https://a:b@idp.exempelby.se/" }, "no user info, query or fragment"},
		{"no client id", func(o *OIDC) { o.ClientID = "" }, "oidc client_id: is empty"},
		{"client id with space at end", func(o *OIDC) { o.ClientID = "earkiv " }, "oidc client_id: has spaces"},
		{"client id too long", func(o *OIDC) { o.ClientID = strings.Repeat("x", 256) }, "oidc client_id: is 256 bytes"},
		{"no secret", func(o *OIDC) { o.ClientSecretFile = "" }, "oidc client_secret_file: is required"},
		{"two secrets", func(o *OIDC) { o.ClientSecret = "x" }, "not both"},
		{"relative secret file", func(o *OIDC) { o.ClientSecretFile = "oidc.secret" }, "oidc client_secret_file: \"oidc.secret\" is not an absolute path"},
		{"secret with newline", func(o *OIDC) { o.ClientSecretFile, o.ClientSecret = "", "a\nb" }, "oidc client_secret: holds control"},
		{"scope with space", func(o *OIDC) { o.Scopes = []string{"openid profile"} }, "oidc scopes: \"openid profile\" is not a scope"},
		{"empty scope", func(o *OIDC) { o.Scopes = []string{"openid", ""} }, "oidc scopes"},
		{"id claim with space", func(o *OIDC) { o.IDClaim = "preferred username" }, "oidc id_claim"},
		{"name claim control", func(o *OIDC) { o.NameClaim = "name\x00" }, "oidc name_claim"},
		{"roles claim blank", func(o *OIDC) { o.RolesClaim = " " }, "oidc roles_claim"},
		{"no role map", func(o *OIDC) { o.RoleMap = nil }, "oidc role_map: is empty"},
		{"empty group", func(o *OIDC) { o.RoleMap = map[string]string{"": "läsare"} }, "oidc role_map: group \"\": is empty"},
		{"group to nothing", func(o *OIDC) { o.RoleMap = map[string]string{"arkiv": " "} }, "oidc role_map: group \"arkiv\" maps to no role"},
		{"long label", func(o *OIDC) { o.Label = strings.Repeat("å", 101) }, "oidc label: want at most 100"},
		{"label on two lines", func(o *OIDC) { o.Label = "Logga\nin" }, "oidc label"},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := testTenant(t, "alfa", "2120000001")
			x.OIDC = testOIDC()
			c.mod(x.OIDC)
			err := x.Validate()
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want == "":
			case err == nil:
				t.Fatalf("accepted, want %q", c.want)
			case !strings.Contains(err.Error(), "tenant alfa: ") || !strings.Contains(err.Error(), c.want):
				t.Fatalf("err %q, want it to name tenant alfa and %q", err, c.want)
			}
		})
	}
}

func TestOIDCDefaults(t *testing.T) {
	o := &OIDC{}
	if got := o.ScopeList(); !slices.Equal(got, []string{"openid", "profile"}) {
		t.Errorf("default scopes %v", got)
	}
	o.Scopes = []string{"email", "profile", "openid", "email"}
	if got := o.ScopeList(); !slices.Equal(got, []string{"openid", "email", "profile"}) {
		t.Errorf("scopes %v: want openid first, each once", got)
	}
	if o.IDClaimName() != "preferred_username" || o.NameClaimName() != "name" || o.RolesClaimName() != "groups" {
		t.Errorf("claim defaults %q %q %q", o.IDClaimName(), o.NameClaimName(), o.RolesClaimName())
	}
	x := &Tenant{Name: "Exempelby kommun"}
	if got := o.LabelText(x); got != "Logga in med Exempelby kommun" {
		t.Errorf("default label %q", got)
	}
}

func TestOIDCSecret(t *testing.T) {
	p := filepath.Join(t.TempDir(), "oidc.secret")
	o := &OIDC{ClientSecretFile: p}
	if _, err := o.Secret(); err == nil || !strings.Contains(err.Error(), "client_secret_file") {
		t.Fatalf("missing file: %v", err)
	}
	if err := os.WriteFile(p, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Secret(); err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Fatalf("empty file: %v", err)
	}
	if err := os.WriteFile(p, []byte("  hemligt \nrest\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := o.Secret(); err != nil || s != "hemligt" {
		t.Fatalf("secret %q %v", s, err)
	}
}

// TestOIDCLoad: the block is read from YAML, unknown keys are refused and
// a bad block fails the whole file with the tenant named.
func TestOIDCLoad(t *testing.T) {
	x := testTenant(t, "alfa", "2120000001")
	head := "tenants:\n  - id: alfa\n    name: alfa kommun\n    org_number: \"2120000001\"\n    bucket: earkiv-alfa\n    producer:\n      user: alfa\n      password_hash: " + x.Producer.PasswordHash + "\n"
	for _, c := range []struct {
		name, block, want string
	}{
		{"good", "    oidc:\n      issuer: https://idp.alfa.se\n      client_id: earkiv\n      client_secret_file: /etc/s\n      role_map: {\"g\": \"läsare\"}\n", ""},
		{"unknown key", "    oidc:\n      issuer: https://idp.alfa.se\n      clientid: earkiv\n", "field clientid not found"},
		{"bad", "    oidc:\n      issuer: http://idp.alfa.se\n      client_id: earkiv\n      client_secret_file: /etc/s\n      role_map: {\"g\": \"läsare\"}\n", "tenant alfa: oidc issuer"},
	} {
		p := filepath.Join(t.TempDir(), "tenants.yaml")
		if err := os.WriteFile(p, []byte(head+c.block), 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := Load(p)
		if c.want == "" {
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			got, _ := r.Get("alfa")
			if got.OIDC == nil || got.OIDC.ClientID != "earkiv" || got.OIDC.RoleMap["g"] != "läsare" {
				t.Fatalf("%s: read %+v", c.name, got.OIDC)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
}

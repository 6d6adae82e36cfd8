package oidclogin

import (
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/tenant"
)

func anna() *user {
	return &user{sub: "f3a1-anna", username: "Anna.Andersson", name: "Anna Andersson", groups: []string{"arkiv-arkivarie", "personal", "arkiv-lasare"}}
}

// TestLogin: a whole login, with the groups the provider reports mapped
// to roles, the returnTo kept, and the state cookie set as it must be and
// gone afterwards.
func TestLogin(t *testing.T) {
	p := startIDP(t)
	a := startApp(t, newTenant("alfa", 0, oidcFor(t, p, nil)))
	b := newBrowser(t)
	p.QueueUser(anna())

	auth := b.toProvider(t, a, "alfa")
	q := auth.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || len(q.Get("state")) < 40 {
		t.Fatalf("authorisation request lacks PKCE S256, nonce or state: %s", auth)
	}
	if q.Get("scope") != "openid profile groups" || q.Get("client_id") != "earkiv" || q.Get("redirect_uri") != a.URL+CallbackPath {
		t.Fatalf("authorisation request: %s", auth)
	}
	if !strings.HasPrefix(auth.String(), p.AuthorizationEndpoint()) {
		t.Fatalf("redirected to %s, not the tenant's provider", auth)
	}
	if c := b.cookie(a); c == nil || strings.Contains(c.Value, q.Get("state")) {
		t.Fatalf("state cookie %v: want one that does not show the state", c)
	}
	cb := b.toCallback(t, auth)
	b.get(t, b.follow, cb)
	r := a.result()
	if r.err != nil {
		t.Fatal(r.err)
	}
	want := &Identity{Tenant: "alfa", Person: "anna.andersson", Name: "Anna Andersson", Subject: "f3a1-anna", Issuer: p.Issuer(), Roles: []people.Role{people.Lasare, people.Arkivarie}}
	if !sameIdentity(r.id, want) {
		t.Fatalf("identity %+v, want %+v", r.id, want)
	}
	if b.cookie(a) != nil {
		t.Fatal("state cookie still set after the login")
	}

	p.QueueUser(anna())
	if r := b.login(t, a, "alfa", "/sok?q=byggnadsnamnd"); r.err != nil || r.returnTo != "/sok?q=byggnadsnamnd" {
		t.Fatalf("returnTo %q, err %v", r.returnTo, r.err)
	}
}

func sameIdentity(a, b *Identity) bool {
	return a != nil && b != nil && a.Tenant == b.Tenant && a.Person == b.Person && a.Name == b.Name &&
		a.Subject == b.Subject && a.Issuer == b.Issuer && slices.Equal(a.Roles, b.Roles)
}

// TestStateCookie: the cookie Start sets is HttpOnly, SameSite=Lax, for
// the callback only, ten minutes, and Secure when the request came over
// TLS.
func TestStateCookie(t *testing.T) {
	p := startIDP(t)
	a := startApp(t, newTenant("alfa", 0, oidcFor(t, p, nil)))
	for _, tlsOn := range []bool{false, true} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/inloggning/oidc/alfa", nil)
		if tlsOn {
			r.TLS = &tls.ConnectionState{}
		}
		if err := a.login.Start(w, r, "alfa", "/"); err != nil {
			t.Fatal(err)
		}
		res := w.Result()
		cs := res.Cookies()
		if res.StatusCode != http.StatusFound || len(cs) != 1 {
			t.Fatalf("status %d, cookies %v", res.StatusCode, cs)
		}
		c := cs[0]
		if c.Name != cookieName || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != CallbackPath || c.MaxAge != 600 || c.Secure != tlsOn {
			t.Errorf("tls %v: cookie %+v", tlsOn, c)
		}
	}
}

// TestTwoTenants: two municipalities, each with its own provider; each
// login lands in its own tenant, whatever the callback's query says.
func TestTwoTenants(t *testing.T) {
	pa, pb := startIDP(t), startIDP(t)
	a := startApp(t,
		newTenant("alfa", 0, oidcFor(t, pa, nil)),
		newTenant("beta", 1, oidcFor(t, pb, map[string]string{"Arkivet": "arkivansvarig"})),
	)
	b := newBrowser(t)
	pa.QueueUser(anna())
	pb.QueueUser(&user{sub: "b-17", username: "bo.berg", name: "Bo Berg", groups: []string{"Arkivet"}})

	ra := b.login(t, a, "alfa", "/")
	// A tenant in the callback's query is not read: the cookie says alfa...
	cb := b.toCallback(t, b.toProvider(t, a, "beta"))
	b.get(t, b.follow, cb+"&tenant=alfa")
	rb := a.result()
	if ra.err != nil || rb.err != nil {
		t.Fatalf("logins: %v; %v", ra.err, rb.err)
	}
	if ra.id.Tenant != "alfa" || ra.id.Issuer != pa.Issuer() || ra.id.Person != "anna.andersson" {
		t.Errorf("alfa login: %+v", ra.id)
	}
	if rb.id.Tenant != "beta" || rb.id.Issuer != pb.Issuer() || rb.id.Person != "bo.berg" || !slices.Equal(rb.id.Roles, []people.Role{people.Arkivansvarig}) {
		t.Errorf("beta login: %+v", rb.id)
	}
}

// TestRefusals: callbacks that are not the browser's own login, and ID
// tokens that are not for this login, are refused.
func TestRefusals(t *testing.T) {
	pa, pb := startIDP(t), startIDP(t)
	a := startApp(t, newTenant("alfa", 0, oidcFor(t, pa, nil)), newTenant("beta", 1, oidcFor(t, pb, nil)))

	t.Run("replayed callback", func(t *testing.T) {
		b := newBrowser(t)
		pa.QueueUser(anna())
		first := b.login(t, a, "alfa", "/")
		if first.err != nil {
			t.Fatal(first.err)
		}
		b.get(t, b.follow, first.callback)
		if r := a.result(); !errors.Is(r.err, ErrState) || r.id != nil {
			t.Fatalf("replay without the cookie: %+v", r)
		}
	})

	t.Run("replayed callback with its old cookie", func(t *testing.T) {
		b := newBrowser(t)
		pa.QueueUser(anna())
		cb := b.toCallback(t, b.toProvider(t, a, "alfa"))
		saved := b.cookie(a)
		b.get(t, b.follow, cb)
		if r := a.result(); r.err != nil {
			t.Fatal(r.err)
		}
		u, _ := url.Parse(a.URL + CallbackPath)
		b.jar.SetCookies(u, []*http.Cookie{{Name: saved.Name, Value: saved.Value, Path: CallbackPath}})
		b.get(t, b.follow, cb)
		if r := a.result(); !errors.Is(r.err, ErrProvider) || r.id != nil || !strings.Contains(r.err.Error(), "code exchange") {
			t.Fatalf("replay with the cookie: %+v", r)
		}
	})

	t.Run("state of another login", func(t *testing.T) {
		victim, attacker := newBrowser(t), newBrowser(t)
		victim.toProvider(t, a, "alfa")
		pa.QueueUser(&user{sub: "mallory", username: "mallory", groups: []string{"arkiv-admin"}})
		cb := attacker.toCallback(t, attacker.toProvider(t, a, "alfa"))
		victim.get(t, victim.follow, cb)
		if r := a.result(); !errors.Is(r.err, ErrState) || r.id != nil {
			t.Fatalf("another login's callback: %+v", r)
		}
	})

	t.Run("forged state", func(t *testing.T) {
		b := newBrowser(t)
		auth := b.toProvider(t, a, "alfa")
		pa.QueueUser(anna())
		cb, _ := url.Parse(b.toCallback(t, auth))
		q := cb.Query()
		q.Set("state", q.Get("state")+"x")
		cb.RawQuery = q.Encode()
		b.get(t, b.follow, cb.String())
		if r := a.result(); !errors.Is(r.err, ErrState) {
			t.Fatalf("forged state: %+v", r)
		}
	})

	t.Run("token for another audience", func(t *testing.T) {
		u := anna()
		u.aud = []string{"intranatet"}
		pa.QueueUser(u)
		r := newBrowser(t).login(t, a, "alfa", "/")
		if !errors.Is(r.err, ErrProvider) || r.id != nil || !strings.Contains(r.err.Error(), "audience") {
			t.Fatalf("other audience: %+v", r)
		}
	})

	t.Run("token for several audiences without azp", func(t *testing.T) {
		u := anna()
		u.aud = []string{"earkiv", "intranatet"}
		pa.QueueUser(u)
		r := newBrowser(t).login(t, a, "alfa", "/")
		if !errors.Is(r.err, ErrProvider) || r.id != nil || !strings.Contains(r.err.Error(), "azp") {
			t.Fatalf("several audiences: %+v", r)
		}
	})

	t.Run("wrong nonce", func(t *testing.T) {
		u, n := anna(), "en-annan-inloggning"
		u.nonce = &n
		pa.QueueUser(u)
		r := newBrowser(t).login(t, a, "alfa", "/")
		if !errors.Is(r.err, ErrProvider) || r.id != nil || !strings.Contains(r.err.Error(), "nonce") {
			t.Fatalf("wrong nonce: %+v", r)
		}
	})

	t.Run("no nonce", func(t *testing.T) {
		u, n := anna(), ""
		u.nonce = &n
		pa.QueueUser(u)
		r := newBrowser(t).login(t, a, "alfa", "/")
		if !errors.Is(r.err, ErrProvider) || r.id != nil || !strings.Contains(r.err.Error(), "nonce") {
			t.Fatalf("no nonce: %+v", r)
		}
	})

	// A login started for alfa, completed at beta's provider (both name
	// their client earkiv): beta's code means nothing at alfa's provider,
	// and the login stays alfa's, so nothing of beta's is trusted.
	t.Run("another tenant's provider", func(t *testing.T) {
		b := newBrowser(t)
		auth := b.toProvider(t, a, "alfa")
		other, _ := url.Parse(pb.AuthorizationEndpoint())
		auth.Scheme, auth.Host = other.Scheme, other.Host
		pb.QueueUser(anna())
		b.get(t, b.follow, b.toCallback(t, auth))
		if r := a.result(); !errors.Is(r.err, ErrProvider) || r.id != nil || !strings.Contains(r.err.Error(), "tenant alfa: code exchange") {
			t.Fatalf("callback from beta's provider: %+v", r)
		}
	})

	t.Run("tampered cookie", func(t *testing.T) {
		b := newBrowser(t)
		auth := b.toProvider(t, a, "alfa")
		c := b.cookie(a)
		v := []byte(c.Value)
		// Another base64url letter in the middle: the cookie still
		// decodes, but its seal no longer opens.
		if v[len(v)/2] == 'A' {
			v[len(v)/2] = 'B'
		} else {
			v[len(v)/2] = 'A'
		}
		u, _ := url.Parse(a.URL + CallbackPath)
		b.jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: string(v), Path: CallbackPath}})
		pa.QueueUser(anna())
		b.get(t, b.follow, b.toCallback(t, auth))
		if r := a.result(); !errors.Is(r.err, ErrState) || !strings.Contains(r.err.Error(), "not sealed by this server") {
			t.Fatalf("tampered cookie: %+v", r)
		}
	})
}

// TestSealOpen: a state sealed with one key does not open with another,
// nor after ten minutes.
func TestSealOpen(t *testing.T) {
	k1, _ := chacha20poly1305.NewX(make([]byte, 32))
	k2, _ := chacha20poly1305.NewX([]byte("0123456789abcdef0123456789abcdef"))
	now := time.Now()
	p := &pending{State: "s", Nonce: "n", Verifier: "v", Tenant: "alfa", ReturnTo: "/", Expires: now.Add(stateTTL)}
	v, err := seal(k1, p)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := open(k1, v, now); err != nil || got.State != "s" || got.Nonce != "n" || got.Verifier != "v" || got.Tenant != "alfa" || got.ReturnTo != "/" || !got.Expires.Equal(p.Expires) {
		t.Fatalf("open: %+v %v", got, err)
	}
	if _, err := open(k2, v, now); err == nil {
		t.Fatal("opened with another key")
	}
	if _, err := open(k1, v, now.Add(stateTTL)); err == nil || !strings.Contains(err.Error(), "10 minutes") {
		t.Fatalf("expired state: %v", err)
	}
	if _, err := open(k1, "kort", now); err == nil {
		t.Fatal("opened garbage")
	}
}

// TestProviderError: the provider's error=access_denied reaches the
// caller as a ProviderError with its code.
func TestProviderError(t *testing.T) {
	p := startIDP(t)
	a := startApp(t, newTenant("alfa", 0, oidcFor(t, p, nil)))
	b := newBrowser(t)
	auth := b.toProvider(t, a, "alfa")
	q := url.Values{"error": {"access_denied"}, "error_description": {"Användaren avbröt"}, "state": {auth.Query().Get("state")}}
	b.get(t, b.follow, a.URL+CallbackPath+"?"+q.Encode())
	r := a.result()
	var pe *ProviderError
	if !errors.Is(r.err, ErrProvider) || !errors.As(r.err, &pe) || pe.Code != "access_denied" || pe.Tenant != "alfa" || pe.Description != "Användaren avbröt" {
		t.Fatalf("provider error: %+v", r)
	}
}

// TestProviderDown: a provider that does not answer gives a clear error at
// Start (discovery) and at Finish (the code exchange).
func TestProviderDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/oidc"
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	p := startIDP(t)
	down := oidcFor(t, p, nil)
	down.Issuer = dead
	a := startApp(t, newTenant("alfa", 0, down), newTenant("beta", 1, oidcFor(t, p, nil)))
	b := newBrowser(t)

	if code, _ := b.get(t, b.step, a.URL+"/inloggning/oidc/alfa"); code != http.StatusBadGateway {
		t.Fatalf("start at a dead provider: status %d", code)
	}
	if r := a.result(); r.err == nil || !strings.Contains(r.err.Error(), "tenant alfa: identity provider "+dead+": discovery") {
		t.Fatalf("dead provider at start: %v", r.err)
	}

	p.QueueUser(anna())
	cb := b.toCallback(t, b.toProvider(t, a, "beta"))
	p.Stop()
	b.get(t, b.follow, cb)
	if r := a.result(); !errors.Is(r.err, ErrProvider) || !strings.Contains(r.err.Error(), "tenant beta: code exchange at "+p.Issuer()) {
		t.Fatalf("provider gone before the exchange: %v", r.err)
	}
}

// TestRolesClaim: the roles claim may be a string or an array; values the
// role map does not name are ignored, and no mapped value is ErrNoRole.
func TestRolesClaim(t *testing.T) {
	p := startIDP(t)
	o := oidcFor(t, p, nil)
	a := startApp(t, newTenant("alfa", 0, o))
	for _, c := range []struct {
		name   string
		groups any
		want   []people.Role
		err    error
	}{
		{"array", []string{"arkiv-admin", "arkiv-lasare"}, []people.Role{people.Lasare, people.Administrator}, nil},
		{"string", "arkiv-arkivarie", []people.Role{people.Arkivarie}, nil},
		{"array with the same role twice", []string{"arkiv-lasare", "arkiv-lasare"}, []people.Role{people.Lasare}, nil},
		{"unknown groups only", []string{"personal", "ARKIV-LASARE"}, nil, ErrNoRole},
		{"unknown string", "personal", nil, ErrNoRole},
		{"no claim", nil, nil, ErrNoRole},
		{"empty array", []string{}, nil, ErrNoRole},
		{"number", 17, nil, ErrProvider},
		{"array of numbers", []int{1}, nil, ErrProvider},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := anna()
			u.groups = c.groups
			p.QueueUser(u)
			r := newBrowser(t).login(t, a, "alfa", "/")
			if c.err != nil {
				if !errors.Is(r.err, c.err) || r.id != nil {
					t.Fatalf("got %+v, want %v", r, c.err)
				}
				return
			}
			if r.err != nil || !slices.Equal(r.id.Roles, c.want) {
				t.Fatalf("roles %v (%v), want %v", r.id, r.err, c.want)
			}
		})
	}
}

// TestClaims: the id and name claims are the tenant's to choose; the id is
// lower-cased and must be a valid person id.
func TestClaims(t *testing.T) {
	pa, pb := startIDP(t), startIDP(t)
	o := oidcFor(t, pb, nil)
	o.IDClaim, o.NameClaim = "sub", "preferred_username"
	a := startApp(t, newTenant("alfa", 0, oidcFor(t, pa, nil)), newTenant("beta", 1, o))
	for _, c := range []struct {
		name, tenant string
		u            *user
		person, full string
		err          string
	}{
		{"default claims", "alfa", anna(), "anna.andersson", "Anna Andersson", ""},
		{"no name claim", "alfa", &user{sub: "x1", username: "bo.berg", groups: "arkiv-lasare"}, "bo.berg", "bo.berg", ""},
		{"other claims", "beta", &user{sub: "E12345", username: "Eva Ek", groups: "arkiv-lasare"}, "e12345", "Eva Ek", ""},
		{"id with a space", "alfa", &user{sub: "x2", username: "eva ek", groups: "arkiv-lasare"}, "", "", "claim \"preferred_username\": invalid identifier: person id"},
		{"reserved id", "alfa", &user{sub: "x3", username: "admin", groups: "arkiv-lasare"}, "", "", "reserved"},
		{"no id claim", "alfa", &user{sub: "x4", groups: "arkiv-lasare"}, "", "", "no string claim \"preferred_username\""},
	} {
		t.Run(c.name, func(t *testing.T) {
			map[string]*idp{"alfa": pa, "beta": pb}[c.tenant].QueueUser(c.u)
			r := newBrowser(t).login(t, a, c.tenant, "/")
			if c.err != "" {
				if !errors.Is(r.err, ErrProvider) || !strings.Contains(r.err.Error(), c.err) {
					t.Fatalf("got %+v, want %q", r, c.err)
				}
				return
			}
			if r.err != nil || r.id.Person != c.person || r.id.Name != c.full {
				t.Fatalf("got %+v %v, want %s (%s)", r.id, r.err, c.person, c.full)
			}
		})
	}
}

// TestDrift: a role map that gives drift is refused for a municipality and
// works for the operator tenant, the joint body itself.
func TestDrift(t *testing.T) {
	p := startIDP(t)
	drift := map[string]string{"drift": "drift", "arkiv-lasare": "läsare"}
	muni := newTenant("alfa", 0, oidcFor(t, p, drift))
	pop := startIDP(t)
	op := newTenant("forbundet", 2, oidcFor(t, pop, drift))
	op.Operator = true
	a := startApp(t, muni, op)

	if err := CheckTenant(muni); !errors.Is(err, ErrConfig) || !errors.Is(err, people.ErrRole) || !strings.Contains(err.Error(), "tenant alfa: oidc role_map: group \"drift\"") {
		t.Fatalf("CheckTenant: %v", err)
	}
	if err := CheckRegistry(a.registry()); err == nil {
		t.Fatal("CheckRegistry passed a municipality with drift")
	}
	b := newBrowser(t)
	if code, _ := b.get(t, b.step, a.URL+"/inloggning/oidc/alfa"); code != http.StatusBadGateway {
		t.Fatalf("start with drift in a municipality's map: status %d", code)
	}
	if r := a.result(); !errors.Is(r.err, ErrConfig) {
		t.Fatalf("start: %v", r.err)
	}

	if err := CheckTenant(op); err != nil {
		t.Fatal(err)
	}
	pop.QueueUser(&user{sub: "o1", username: "olle", groups: []string{"drift", "personal"}})
	if r := b.login(t, a, "forbundet", "/"); r.err != nil || !slices.Equal(r.id.Roles, []people.Role{people.Drift}) {
		t.Fatalf("operator login with drift: %+v", r)
	}
}

// TestReload: a reloaded tenants file with a changed oidc block is used at
// the next login; a tenant without one, or an unknown tenant, is
// ErrNotConfigured.
func TestReload(t *testing.T) {
	pa, pb := startIDP(t), startIDP(t)
	a := startApp(t, newTenant("alfa", 0, oidcFor(t, pa, nil)), newTenant("beta", 1, nil))
	b := newBrowser(t)
	if auth := b.toProvider(t, a, "alfa"); !strings.HasPrefix(auth.String(), pa.AuthorizationEndpoint()) {
		t.Fatalf("first login goes to %s", auth)
	}
	a.reload(t, newTenant("alfa", 0, oidcFor(t, pb, nil)), newTenant("beta", 1, nil))
	if auth := b.toProvider(t, a, "alfa"); !strings.HasPrefix(auth.String(), pb.AuthorizationEndpoint()) {
		t.Fatalf("after the reload the login goes to %s, want %s", auth, pb.AuthorizationEndpoint())
	}
	pb.QueueUser(anna())
	if r := b.login(t, a, "alfa", "/"); r.err != nil || r.id.Issuer != pb.Issuer() {
		t.Fatalf("login after reload: %+v", r)
	}

	for _, id := range []string{"beta", "gamma", "../x"} {
		code, _ := b.get(t, b.step, a.URL+"/inloggning/oidc/"+url.PathEscape(id))
		if r := a.result(); code != http.StatusBadGateway || !errors.Is(r.err, ErrNotConfigured) {
			t.Errorf("%s: status %d, %v", id, code, r.err)
		}
	}
	if a.login.Enabled(newTenant("beta", 1, nil)) || !a.login.Enabled(newTenant("alfa", 0, &tenant.OIDC{})) {
		t.Error("Enabled does not follow the oidc block")
	}
}

// TestSecretRotation: the secret file is read again at each login, so a
// rotated secret needs no restart (and a wrong one fails clearly).
func TestSecretRotation(t *testing.T) {
	p := startIDP(t)
	o := oidcFor(t, p, nil)
	a := startApp(t, newTenant("alfa", 0, o))
	if err := os.WriteFile(o.ClientSecretFile, []byte("fel-hemlighet\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p.QueueUser(anna())
	if r := newBrowser(t).login(t, a, "alfa", "/"); !errors.Is(r.err, ErrProvider) || !strings.Contains(r.err.Error(), "invalid_client") {
		t.Fatalf("wrong secret: %+v", r)
	}
	if err := os.WriteFile(o.ClientSecretFile, []byte(p.ClientSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p.QueueUser(anna())
	if r := newBrowser(t).login(t, a, "alfa", "/"); r.err != nil {
		t.Fatalf("after rotating back: %v", r.err)
	}
}

// TestSharedClient: two tenants with the same client at the same provider
// are refused, since a login there would be valid for both.
func TestSharedClient(t *testing.T) {
	p := startIDP(t)
	a := startApp(t, newTenant("alfa", 0, oidcFor(t, p, nil)), newTenant("beta", 1, oidcFor(t, p, nil)))
	if err := CheckRegistry(a.registry()); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "share the oidc client") {
		t.Fatalf("CheckRegistry: %v", err)
	}
	b := newBrowser(t)
	b.get(t, b.step, a.URL+"/inloggning/oidc/beta")
	if r := a.result(); !errors.Is(r.err, ErrConfig) {
		t.Fatalf("start: %v", r.err)
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/sok?q=1":               "/sok?q=1",
		"/":                      "/",
		"":                       "/",
		"sok":                    "/",
		"//evil.example":         "/",
		`/\evil.example`:         "/",
		"https://evil.example":   "/",
		"/a\r\nSet-Cookie: x":    "/",
		`/./\evil.example`:       "/",
		"/.//evil.example":       "/",
		"/a/..//evil.example":    "/",
		`/arenden/a\b`:           "/",
		"/arenden/KS%202025%2F1": "/arenden/KS%202025%2F1",
	} {
		if got := LocalPath(in); got != want {
			t.Errorf("LocalPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBadConfig: a wrong key or redirect URL fails every call, clearly.
func TestBadConfig(t *testing.T) {
	reg := func() *tenant.Registry { return &tenant.Registry{} }
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Tenants: reg, RedirectURL: "http://127.0.0.1/x", Key: []byte("kort")}, "key"},
		{Config{Tenants: reg, RedirectURL: "/inloggning/oidc/klar", Key: make([]byte, 32)}, "not absolute"},
		{Config{RedirectURL: "http://127.0.0.1/x", Key: make([]byte, 32)}, "no tenants"},
	} {
		l := New(c.cfg)
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", CallbackPath, nil)
		if err := l.Start(w, r, "alfa", "/"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Start: %v, want %q", err, c.want)
		}
		if _, _, err := l.Finish(w, r); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Finish: %v, want %q", err, c.want)
		}
	}
}

// TestExampleFile: the oidc blocks of the example tenants file pass the
// role checks too, so what docs/examples shows is what earkiv accepts.
func TestExampleFile(t *testing.T) {
	reg, err := tenant.Load(filepath.Join("..", "..", "docs", "examples", "tenants.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckRegistry(reg); err != nil {
		t.Fatal(err)
	}
	x, _ := reg.Get("exempelby")
	if x.OIDC == nil || x.OIDC.RoleMap["arkiv-admin"] != "administratör" {
		t.Fatalf("exempelby has no oidc block: %+v", x.OIDC)
	}
	x.Operator = false
	f, _ := reg.Get("forbundet")
	f.Operator = false
	if err := CheckRegistry(reg); !errors.Is(err, people.ErrRole) {
		t.Fatalf("drift outside the operator tenant: %v", err)
	}
}

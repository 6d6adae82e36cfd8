package oidclogin

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/earkiv/earkiv/internal/tenant"
)

// testLog discards the package's logs unless EARKIV_TEST_LOGS is set.
func testLog() *slog.Logger {
	if os.Getenv("EARKIV_TEST_LOGS") != "" {
		return slog.Default()
	}
	return slog.New(slog.DiscardHandler)
}

// idp is a real OpenID provider (mockoidc) on a loopback port. Its
// authorisation endpoint logs in the next queued user at once, as a
// provider does for a person with a session there.
type idp struct {
	*mockoidc.MockOIDC
	stop sync.Once
}

func startIDP(t *testing.T) *idp {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	// Municipalities name their client alike; each provider has its own
	// secret.
	m.ClientID = "earkiv"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	p := &idp{MockOIDC: m}
	t.Cleanup(p.Stop)
	return p
}

// Stop shuts the provider down; later calls do nothing.
func (p *idp) Stop() {
	p.stop.Do(func() {
		if err := p.Shutdown(); err != nil {
			panic(err)
		}
	})
}

// user is a person at a provider. Claims is mockoidc's extension point for
// what a real provider puts in an ID token; aud and nonce let a test make
// the provider issue a token for another client or another login.
type user struct {
	sub, username, name string
	groups              any // []string, a string, or nil for no claim
	aud                 []string
	nonce               *string
}

type userClaims struct {
	*mockoidc.IDTokenClaims
	PreferredUsername string `json:"preferred_username,omitempty"`
	Name              string `json:"name,omitempty"`
	Groups            any    `json:"groups,omitempty"`
}

func (u *user) ID() string { return u.sub }

func (u *user) Userinfo([]string) ([]byte, error) {
	return json.Marshal(map[string]any{"sub": u.sub, "preferred_username": u.username, "name": u.name})
}

func (u *user) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	if u.aud != nil {
		base.Audience = u.aud
	}
	if u.nonce != nil {
		base.Nonce = *u.nonce
	}
	return &userClaims{IDTokenClaims: base, PreferredUsername: u.username, Name: u.name, Groups: u.groups}, nil
}

// oidcFor is the oidc block of a tenant that logs in at p, with the secret
// in a file as in production.
func oidcFor(t *testing.T, p *idp, roles map[string]string) *tenant.OIDC {
	t.Helper()
	f := filepath.Join(t.TempDir(), "oidc.secret")
	if err := os.WriteFile(f, []byte(p.ClientSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if roles == nil {
		roles = map[string]string{"arkiv-lasare": "läsare", "arkiv-arkivarie": "arkivarie", "arkiv-admin": "administrator"}
	}
	return &tenant.OIDC{
		Issuer:           p.Issuer(),
		ClientID:         p.ClientID,
		ClientSecretFile: f,
		Scopes:           []string{"openid", "profile", "groups"},
		RoleMap:          roles,
	}
}

var orgNumbers = []string{"2120000001", "2120000019", "2220000000", "2120002411"}

// newTenant is a valid tenant; o may be nil.
func newTenant(id string, n int, o *tenant.OIDC) *tenant.Tenant {
	return &tenant.Tenant{
		ID: id, Name: id + " kommun", OrgNumber: orgNumbers[n], Bucket: "earkiv-" + id,
		Producer: tenant.Producer{User: id, PasswordHash: "$2a$10$9beeuu0VyEulS686jbkHveBhGXBtze0OsFOVV5GU6Jjjvl/huCffO"},
		OIDC:     o,
	}
}

// result is what the app's handlers got from Start or Finish.
type result struct {
	id       *Identity
	returnTo string
	err      error
	callback string // the callback URL as the browser sent it
}

// app is earkiv's web side as the lead wires it: GET
// /inloggning/oidc/{tenant} starts, GET CallbackPath finishes.
type app struct {
	*httptest.Server
	login *Login

	mu   sync.Mutex
	reg  *tenant.Registry // mu guards it and last
	last result
}

func startApp(t *testing.T, tenants ...*tenant.Tenant) *app {
	t.Helper()
	reg := &tenant.Registry{}
	for _, x := range tenants {
		if err := reg.Add(x); err != nil {
			t.Fatal(err)
		}
	}
	a := &app{reg: reg}
	mux := http.NewServeMux()
	a.Server = httptest.NewServer(mux)
	t.Cleanup(a.Close)
	a.login = New(Config{
		Tenants:     a.registry,
		RedirectURL: a.URL + CallbackPath,
		Key:         []byte("0123456789abcdef0123456789abcdef"),
		Log:         testLog(),
	})
	mux.HandleFunc("GET /inloggning/oidc/{tenant}", func(w http.ResponseWriter, r *http.Request) {
		if err := a.login.Start(w, r, r.PathValue("tenant"), r.URL.Query().Get("till")); err != nil {
			a.record(result{err: err})
			http.Error(w, err.Error(), http.StatusBadGateway)
		}
	})
	mux.HandleFunc("GET "+CallbackPath, func(w http.ResponseWriter, r *http.Request) {
		id, ret, err := a.login.Finish(w, r)
		a.record(result{id: id, returnTo: ret, err: err, callback: a.URL + r.URL.RequestURI()})
		if err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	return a
}

func (a *app) registry() *tenant.Registry {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reg
}

// reload replaces the registry, as serve does when tenants.yaml changes.
func (a *app) reload(t *testing.T, tenants ...*tenant.Tenant) {
	t.Helper()
	reg := &tenant.Registry{Tenants: tenants}
	if err := reg.Check(); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	a.reg = reg
	a.mu.Unlock()
}

func (a *app) record(r result) {
	a.mu.Lock()
	a.last = r
	a.mu.Unlock()
}

// result returns what the last Start or Finish gave and forgets it, so
// no assertion reads a result of an earlier request.
func (a *app) result() result {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.last
	a.last = result{err: errors.New("no request reached Start or Finish")}
	return r
}

// browser is a real HTTP client with a cookie jar. follow follows every
// redirect as a browser does; step stops at each one.
type browser struct {
	jar    *cookiejar.Jar
	follow *http.Client
	step   *http.Client
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{
		jar:    jar,
		follow: &http.Client{Jar: jar},
		step: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
	}
}

// get fetches u and returns the response's status and Location.
func (b *browser) get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Location")
}

// login runs a whole login at tenant id and returns what Finish gave.
func (b *browser) login(t *testing.T, a *app, id, returnTo string) result {
	t.Helper()
	b.get(t, b.follow, a.URL+"/inloggning/oidc/"+id+"?till="+url.QueryEscape(returnTo))
	return a.result()
}

// toProvider starts a login at tenant id and stops at the redirect to the
// provider, returning the authorisation URL.
func (b *browser) toProvider(t *testing.T, a *app, id string) *url.URL {
	t.Helper()
	code, loc := b.get(t, b.step, a.URL+"/inloggning/oidc/"+id)
	if code != http.StatusFound {
		t.Fatalf("start: status %d: %v", code, a.result().err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// toCallback goes on from the provider's authorisation URL and stops at
// the redirect back, returning the callback URL.
func (b *browser) toCallback(t *testing.T, auth *url.URL) string {
	t.Helper()
	code, loc := b.get(t, b.step, auth.String())
	if code != http.StatusFound {
		t.Fatalf("provider: status %d", code)
	}
	return loc
}

// cookie returns the browser's state cookie for a, if any.
func (b *browser) cookie(a *app) *http.Cookie {
	u, _ := url.Parse(a.URL + CallbackPath)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == cookieName {
			return c
		}
	}
	return nil
}

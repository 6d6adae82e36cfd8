package session

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/authguard"
	"github.com/earkiv/earkiv/internal/authn"
	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/tenant"
)

// request is a request from addr with a cookie and an Authorization
// header, each if not empty.
func request(addr, cookie, auth string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/api/sok", nil)
	r.RemoteAddr = addr
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: CookieName, Value: cookie})
	}
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	return r
}

func TestAuthenticator(t *testing.T) {
	e := start(t)
	s := e.node(t, Policy{})
	c := ctx(t)
	secret, sess, err := s.Create(c, anna())
	if err != nil {
		t.Fatal(err)
	}
	tok, created, err := s.CreateToken(c, annaToken())
	if err != nil {
		t.Fatal(err)
	}
	reg := e.reg
	a := s.Authenticator(func() *tenant.Registry { return reg }, authguard.New(authguard.DefaultPolicy(), slog.New(slog.NewTextHandler(io.Discard, nil))))
	const addr = "192.0.2.1:4711"

	p, err := a.Authenticate(request(addr, secret, ""))
	if err != nil || p == nil || p.Tenant != "alfa" || p.ID != "anna.svensson" || p.Name != "Anna Svensson" || p.Method != authn.Session ||
		p.SessionID != sess.ID || p.CSRF != sess.CSRF || p.TokenID != "" || !slices.Equal(p.Roles, []people.Role{people.Arkivarie}) {
		t.Fatalf("cookie: %+v %v", p, err)
	}
	p, err = a.Authenticate(request(addr, "", "Bearer "+tok))
	if err != nil || p == nil || p.Tenant != "alfa" || p.ID != "anna.svensson" || p.Method != authn.Token ||
		p.TokenID != created.ID || p.SessionID != "" || p.CSRF != "" || !slices.Equal(p.Roles, []people.Role{people.Lasare}) {
		t.Fatalf("bearer: %+v %v", p, err)
	}
	if p, err := a.Authenticate(request(addr, secret, "Bearer "+tok)); err != nil || p.Method != authn.Token {
		t.Fatalf("both: the token is what the request names: %+v %v", p, err)
	}
	for _, none := range []*http.Request{request(addr, "", ""), request(addr, "", "Basic cHJvZHVjZXI6eA=="), request(addr, "", "Bearer eyJhbGciOi")} {
		if p, err := a.Authenticate(none); p != nil || err != nil {
			t.Errorf("no credentials of ours (%q): %+v %v", none.Header.Get("Authorization"), p, err)
		}
	}
	for name, r := range map[string]*http.Request{
		"unknown cookie": request(addr, "alfa."+strings.Repeat("a", tagLen)+"."+strings.Repeat("b", randLen), ""),
		"garbage cookie": request(addr, "x", ""),
		"unknown token":  request(addr, "", "Bearer "+strings.Replace(tok, "ekt_alfa_", "ekt_beta_", 1)),
		"garbage token":  request(addr, "", "Bearer ekt_x"),
	} {
		if p, err := a.Authenticate(r); p != nil || !errors.Is(err, authn.ErrBadCredentials) {
			t.Errorf("%s: %+v %v", name, p, err)
		}
	}

	// A tenant no longer the joint body's own: drift is gone from its
	// people's sessions, and a session of drift alone stops.
	op := *e.reg.Tenants[0]
	op.Operator = true
	reg = &tenant.Registry{Tenants: []*tenant.Tenant{&op, e.reg.Tenants[1]}}
	both, alone := anna(), anna()
	both.Roles, alone.Roles = []people.Role{people.Lasare, people.Drift}, []people.Role{people.Drift}
	sBoth, _, err := s.Create(c, both)
	if err != nil {
		t.Fatal(err)
	}
	sAlone, _, err := s.Create(c, alone)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := a.Authenticate(request(addr, sBoth, "")); err != nil || !p.Has(people.Drift) {
		t.Fatalf("drift in the operator tenant: %+v %v", p, err)
	}
	reg = e.reg
	if p, err := a.Authenticate(request(addr, sBoth, "")); err != nil || p.Has(people.Drift) || !p.Has(people.Lasare) {
		t.Fatalf("drift after the tenant stopped being the operator: %+v %v", p, err)
	}
	if p, err := a.Authenticate(request(addr, sAlone, "")); p != nil || !errors.Is(err, authn.ErrBadCredentials) {
		t.Fatalf("a session of drift alone in a municipality: %+v %v", p, err)
	}

	// A tenant no longer served: its people's sessions and tokens stop.
	reg = &tenant.Registry{Tenants: []*tenant.Tenant{e.reg.Tenants[1]}}
	for _, r := range []*http.Request{request("192.0.2.9:1", secret, ""), request("192.0.2.9:1", "", "Bearer "+tok)} {
		if p, err := a.Authenticate(r); p != nil || !errors.Is(err, authn.ErrBadCredentials) {
			t.Errorf("tenant gone: %+v %v", p, err)
		}
	}
	reg = nil
	if p, err := a.Authenticate(request("192.0.2.9:1", secret, "")); p != nil || !errors.Is(err, authn.ErrBadCredentials) {
		t.Errorf("no registry: %+v %v", p, err)
	}
}

// TestAuthenticatorThrottles: an address that presents secrets naming
// nothing backs off for further guesses, while real secrets from it still
// get in (a proxy's or a NAT's address is shared by many people); another
// address does not back off; and a real session that ended is refused
// without counting.
func TestAuthenticatorThrottles(t *testing.T) {
	e := start(t)
	s := e.node(t, Policy{})
	c := ctx(t)
	secret, _, err := s.Create(c, anna())
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := s.CreateToken(c, annaToken())
	if err != nil {
		t.Fatal(err)
	}
	gp := authguard.DefaultPolicy()
	gp.AddressDelay = time.Hour // no back-off ends during the test
	a := s.Authenticator(func() *tenant.Registry { return e.reg }, authguard.New(gp, slog.New(slog.NewTextHandler(io.Discard, nil))))

	const guesser = "198.51.100.7:5000"
	for i := range gp.AddressFree {
		guess := tok[:len(tok)-3] + []string{"aaa", "bbb", "ccc", "ddd", "eee", "fff"}[i%6]
		if _, err := a.Authenticate(request(guesser, "", "Bearer "+guess)); !errors.Is(err, authn.ErrBadCredentials) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	for _, r := range []*http.Request{request(guesser, "alfa.x", ""), request(guesser, "", "Bearer "+tok[:len(tok)-3]+"zzz")} {
		if p, err := a.Authenticate(r); p != nil || !errors.Is(err, authn.ErrThrottled) {
			t.Errorf("a guess after %d failures: %+v %v", gp.AddressFree, p, err)
		}
	}
	for _, r := range []*http.Request{request(guesser, secret, ""), request(guesser, "", "Bearer "+tok)} {
		if p, err := a.Authenticate(r); p == nil || err != nil {
			t.Errorf("a real secret from the address that backs off: %+v %v", p, err)
		}
	}
	if p, err := a.Authenticate(request("198.51.100.8:5000", secret, "")); err != nil || p == nil {
		t.Errorf("another address: %+v %v", p, err)
	}

	// An ended session's cookie, sent again and again, is not a guess.
	if err := s.End(c, secret); err != nil {
		t.Fatal(err)
	}
	const colleague = "203.0.113.5:6000"
	for i := range 3 * gp.AddressFree {
		if _, err := a.Authenticate(request(colleague, secret, "")); !errors.Is(err, authn.ErrBadCredentials) || errors.Is(err, authn.ErrThrottled) {
			t.Fatalf("ended session, attempt %d: %v", i, err)
		}
	}
}

func TestCookies(t *testing.T) {
	w := httptest.NewRecorder()
	SetCookie(w, "alfa.x.y", true, 10*time.Hour)
	ClearCookie(w, false)
	cs := (&http.Response{Header: w.Header()}).Cookies()
	if len(cs) != 2 {
		t.Fatalf("cookies: %v", w.Header())
	}
	set, cleared := cs[0], cs[1]
	if set.Name != CookieName || set.Value != "alfa.x.y" || !set.HttpOnly || !set.Secure || set.SameSite != http.SameSiteLaxMode ||
		set.Path != "/" || set.MaxAge != 36000 {
		t.Errorf("set: %+v", set)
	}
	if cleared.Name != CookieName || cleared.Value != "" || cleared.MaxAge != -1 || cleared.Secure || !cleared.HttpOnly {
		t.Errorf("cleared: %+v", cleared)
	}
	w = httptest.NewRecorder()
	SetCookie(w, "alfa.x.y", false, 0)
	if h := w.Header().Get("Set-Cookie"); strings.Contains(h, "Max-Age") || strings.Contains(h, "Secure") {
		t.Errorf("a cookie for the browser's session: %s", h)
	}
}

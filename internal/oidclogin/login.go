// Package oidclogin logs a tenant's people in at the tenant's own OpenID
// provider: the authorisation code flow with PKCE (S256), state and nonce.
// The tenant of a login is sealed by this server into a short-lived cookie
// at the start and read back from it at the callback, never from the
// callback's query, so a provider or a link cannot move a login into
// another municipality.
package oidclogin

import (
	"context"
	"crypto/cipher"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/oauth2"

	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/tenant"
)

// CallbackPath is where providers send the browser back; the service
// registers it with every tenant's provider as <public base URL> +
// CallbackPath.
const CallbackPath = "/inloggning/oidc/klar"

// Errors a login ends with. The web layer shows each its own Swedish text.
var (
	// ErrNoRole: the provider vouched for the person, but none of the
	// groups it reported maps to a role in the tenant.
	ErrNoRole = errors.New("no role for this person in the tenant")
	// ErrState: the callback does not belong to a login this browser
	// started here (no or expired cookie, another login's state, a replay).
	ErrState = errors.New("login state does not match")
	// ErrNotConfigured: the tenant is unknown or has no oidc block.
	ErrNotConfigured = errors.New("oidc login not configured for the tenant")
	// ErrProvider marks a refusal or failure of the identity provider;
	// a *ProviderError says which.
	ErrProvider = errors.New("identity provider refused the login")
)

// ProviderError is an error the provider sent back to the callback
// (error=access_denied and the like, RFC 6749 4.1.2.1).
type ProviderError struct {
	Tenant      string
	Code        string // such as access_denied, login_required
	Description string
}

func (e *ProviderError) Error() string {
	s := fmt.Sprintf("tenant %s: identity provider answered %s", e.Tenant, e.Code)
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// Unwrap makes errors.Is(err, ErrProvider) hold.
func (e *ProviderError) Unwrap() error { return ErrProvider }

// Config is what New needs.
type Config struct {
	// Tenants returns the current registry; it is called on each Start and
	// Finish, so a reloaded tenants file takes effect at the next login.
	Tenants func() *tenant.Registry
	// RedirectURL is the absolute callback URL: <public base URL> +
	// CallbackPath, as registered with the providers.
	RedirectURL string
	// Key (32 bytes) seals the state cookie with XChaCha20-Poly1305, so
	// it is both confidential and authentic.
	Key []byte
	// HTTPClient reaches the providers; nil gives one with timeouts.
	HTTPClient *http.Client
	// Secure marks the state cookie Secure although the request came
	// without TLS: the service is behind a TLS proxy.
	Secure bool
	Log    *slog.Logger
}

// Login runs OIDC logins for all tenants. It is safe for concurrent use.
type Login struct {
	cfg  Config
	aead cipher.AEAD
	err  error // of the configuration; every call returns it
	http *http.Client
	log  *slog.Logger

	mu      sync.Mutex
	clients map[string]*client // by tenant id; mu guards it
}

// Identity is who the provider vouched for, mapped into the tenant.
type Identity struct {
	Tenant  string        // from the state cookie this server sealed
	Person  string        // the id claim, lower-cased, a valid ids.Person
	Name    string        // the name claim, or Person when there is none
	Subject string        // the provider's sub, stable for the account
	Issuer  string        // the provider's iss
	Roles   []people.Role // mapped from the roles claim, in people.Roles order
}

// New returns a Login. A Key of the wrong length or a RedirectURL that is
// not absolute makes every Start and Finish fail with that error.
func New(cfg Config) *Login {
	l := &Login{cfg: cfg, http: cfg.HTTPClient, log: cfg.Log, clients: map[string]*client{}}
	if l.log == nil {
		l.log = slog.Default()
	}
	if l.http == nil {
		l.http = defaultClient()
	}
	l.aead, l.err = chacha20poly1305.NewX(cfg.Key)
	if l.err != nil {
		l.err = fmt.Errorf("oidclogin: key: %w", l.err)
	}
	if u, err := url.Parse(cfg.RedirectURL); err != nil || !u.IsAbs() || u.Host == "" {
		l.err = fmt.Errorf("oidclogin: redirect URL %q is not absolute", cfg.RedirectURL)
	}
	if cfg.Tenants == nil {
		l.err = errors.New("oidclogin: no tenants")
	}
	return l
}

// defaultClient bounds every request to a provider: a provider that hangs
// must not hold a login, or a goroutine, for long.
func defaultClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = 5 * time.Second
	tr.ResponseHeaderTimeout = 10 * time.Second
	return &http.Client{Transport: tr, Timeout: 15 * time.Second}
}

// Enabled tells whether t's people can log in with OIDC, so the login
// page shows its button.
func (l *Login) Enabled(t *tenant.Tenant) bool { return t != nil && t.OIDC != nil }

// tenantOf returns the tenant with id and its registry, if it has OIDC.
func (l *Login) tenantOf(id string) (*tenant.Registry, *tenant.Tenant, error) {
	reg := l.cfg.Tenants()
	if reg == nil {
		return nil, nil, fmt.Errorf("%w: %s: no tenants loaded", ErrNotConfigured, id)
	}
	t, err := reg.Get(id)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrNotConfigured, err)
	}
	if !l.Enabled(t) {
		return nil, nil, fmt.Errorf("%w: %s has no oidc block", ErrNotConfigured, id)
	}
	return reg, t, nil
}

// Start begins a login at tenantID's provider: it seals state, nonce,
// PKCE verifier, tenant and returnTo into the state cookie and redirects
// the browser (302) to the provider. returnTo is kept only if it is a local
// path; otherwise the login returns to "/".
func (l *Login) Start(w http.ResponseWriter, r *http.Request, tenantID, returnTo string) error {
	if l.err != nil {
		return l.err
	}
	reg, t, err := l.tenantOf(tenantID)
	if err != nil {
		return err
	}
	c, err := l.client(r.Context(), reg, t)
	if err != nil {
		return err
	}
	p := &pending{Tenant: t.ID, ReturnTo: LocalPath(returnTo), Verifier: oauth2.GenerateVerifier(), Expires: time.Now().Add(stateTTL)}
	if p.State, err = randomToken(); err != nil {
		return err
	}
	if p.Nonce, err = randomToken(); err != nil {
		return err
	}
	v, err := seal(l.aead, p)
	if err != nil {
		return err
	}
	http.SetCookie(w, stateCookie(r, v, l.cfg.Secure))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, c.oauth.AuthCodeURL(p.State, oidc.Nonce(p.Nonce), oauth2.S256ChallengeOption(p.Verifier)), http.StatusFound)
	return nil
}

// LocalPath returns s if it is a path on this site ("/…", not "//…" or
// "/\…", which browsers read as another host, and no control characters),
// else "/". It keeps a login from redirecting anywhere else afterwards.
func LocalPath(s string) string {
	// A backslash anywhere is refused: browsers read it as a slash, and
	// http.Redirect cleans "/./\\host" into "/\\host", another site.
	// The cleaned path is checked too, as that is what is sent.
	if !strings.HasPrefix(s, "/") || strings.ContainsRune(s, '\\') || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "/"
	}
	p, _, _ := strings.Cut(s, "?")
	if strings.Contains(p, "//") || strings.HasPrefix(path.Clean(p), "//") {
		return "/"
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return s
}

// Finish handles the callback: it checks the state against the cookie
// (clearing the cookie, so a callback works once), exchanges the code with
// the PKCE verifier, verifies the ID token (signature, issuer, audience,
// expiry, nonce), maps the roles claim and returns who logged in and where
// the login asked to return to.
func (l *Login) Finish(w http.ResponseWriter, r *http.Request) (*Identity, string, error) {
	id, back, tenant, err := l.finish(w, r)
	if err != nil && tenant != "" {
		err = &TenantError{Tenant: tenant, Err: err}
	}
	return id, back, err
}

// TenantError is a failed login whose tenant is known from the login's
// own sealed state, so the failure can go into that tenant's access log.
type TenantError struct {
	Tenant string
	Err    error
}

func (e *TenantError) Error() string { return e.Err.Error() }
func (e *TenantError) Unwrap() error { return e.Err }

// finish is Finish, also returning the tenant once the state cookie has
// been opened.
func (l *Login) finish(w http.ResponseWriter, r *http.Request) (*Identity, string, string, error) {
	if l.err != nil {
		return nil, "/", "", l.err
	}
	w.Header().Set("Cache-Control", "no-store")
	ck, err := r.Cookie(cookieName)
	if err != nil {
		return nil, "/", "", fmt.Errorf("%w: no login under way in this browser (no state cookie)", ErrState)
	}
	http.SetCookie(w, stateCookie(r, "", l.cfg.Secure))
	p, err := open(l.aead, ck.Value, time.Now())
	if err != nil {
		return nil, "/", "", fmt.Errorf("%w: %w", ErrState, err)
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(p.State)) != 1 {
		return nil, p.ReturnTo, p.Tenant, fmt.Errorf("%w: the callback's state is not the one of this browser's login for tenant %s", ErrState, p.Tenant)
	}
	if code := q.Get("error"); code != "" {
		return nil, p.ReturnTo, p.Tenant, &ProviderError{Tenant: p.Tenant, Code: clip(code), Description: clip(q.Get("error_description"))}
	}
	reg, t, err := l.tenantOf(p.Tenant)
	if err != nil {
		return nil, p.ReturnTo, p.Tenant, err
	}
	c, err := l.client(r.Context(), reg, t)
	if err != nil {
		return nil, p.ReturnTo, p.Tenant, err
	}
	code := q.Get("code")
	if code == "" {
		return nil, p.ReturnTo, p.Tenant, fmt.Errorf("%w: tenant %s: the callback has no code", ErrProvider, t.ID)
	}
	id, err := l.exchange(r.Context(), c, t, p, code)
	return id, p.ReturnTo, p.Tenant, err
}

// exchange redeems code at t's provider and turns the ID token into an
// Identity.
func (l *Login) exchange(ctx context.Context, c *client, t *tenant.Tenant, p *pending, code string) (*Identity, error) {
	tok, err := c.oauth.Exchange(oidc.ClientContext(ctx, l.http), code, oauth2.VerifierOption(p.Verifier))
	if err != nil {
		return nil, fmt.Errorf("%w: tenant %s: code exchange at %s: %w", ErrProvider, t.ID, c.conf.Issuer, err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return nil, fmt.Errorf("%w: tenant %s: the token response of %s has no id_token", ErrProvider, t.ID, c.conf.Issuer)
	}
	idt, err := c.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("%w: tenant %s: ID token refused: %w", ErrProvider, t.ID, err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(p.Nonce)) != 1 {
		return nil, fmt.Errorf("%w: tenant %s: ID token refused: its nonce is not this login's", ErrProvider, t.ID)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, fmt.Errorf("%w: tenant %s: ID token claims: %w", ErrProvider, t.ID, err)
	}
	// OIDC Core 3.1.3.7: with several audiences, azp names the client.
	if azp, _ := claims["azp"].(string); len(idt.Audience) > 1 && azp != c.oauth.ClientID {
		return nil, fmt.Errorf("%w: tenant %s: ID token refused: issued to %q (azp), not %q", ErrProvider, t.ID, azp, c.oauth.ClientID)
	}
	return identity(t, c, idt.Issuer, idt.Subject, claims)
}

// clip keeps a provider's error text to one short line for logs and pages.
func clip(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

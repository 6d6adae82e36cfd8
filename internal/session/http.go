package session

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/earkiv/earkiv/internal/authguard"
	"github.com/earkiv/earkiv/internal/authn"
	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/tenant"
)

// CookieName is the session cookie's name.
const CookieName = "earkiv_session"

// SetCookie sets the session cookie: HttpOnly, so no script reads it;
// SameSite=Lax, so another site's form does not carry it; Secure when
// served over TLS. A maxAge of 0 makes it last until the browser closes;
// the session's own time-outs apply either way.
func SetCookie(w http.ResponseWriter, secret string, secure bool, maxAge time.Duration) {
	c := &http.Cookie{Name: CookieName, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure}
	if maxAge > 0 {
		c.MaxAge = int(maxAge / time.Second)
	}
	http.SetCookie(w, c)
}

// ClearCookie tells the browser to drop the session cookie.
func ClearCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: secure, MaxAge: -1, Expires: time.Unix(0, 0)})
}

// Guard's names of the two kinds of login.
const (
	viaSession = "session"
	viaToken   = "token"
)

// Authenticator finds the person of a request: a bearer token
// ("Authorization: Bearer ekt_…") or else the session cookie. It returns
// nil, nil for a request with neither (a bearer token of another form,
// or another scheme such as a producer's Basic, is left to the next
// authenticator), and an error wrapping authn.ErrBadCredentials for one
// unknown, ended, expired or revoked, or of a tenant no longer in
// tenants(). When guard is non-nil, every secret that names nothing is
// counted as a failure of the client's address, so an address that
// guesses backs off for its further guesses (authn.ErrThrottled). A real
// secret is looked up first and let in whatever its address did
// (guard.CheckSecret): behind a proxy or a NAT, junk sent by one must not
// lock out everyone. A secret that was real but ended or expired is
// refused without counting, so a browser holding an old cookie does not
// throttle the address it shares with colleagues.
func (s *Store) Authenticator(tenants func() *tenant.Registry, guard *authguard.Guard) authn.Authenticator {
	return authn.Func(func(r *http.Request) (*authn.Principal, error) {
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, cred, _ := strings.Cut(h, " ")
			if cred = strings.TrimSpace(cred); strings.EqualFold(scheme, "Bearer") && strings.HasPrefix(cred, tokPrefix) {
				return s.authToken(r, cred, tenants, guard)
			}
		}
		c, err := r.Cookie(CookieName)
		if err != nil || c.Value == "" {
			return nil, nil
		}
		return s.authSession(r, c.Value, tenants, guard)
	})
}

func (s *Store) authSession(r *http.Request, secret string, tenants func() *tenant.Registry, guard *authguard.Guard) (*authn.Principal, error) {
	var sess *Session
	err := s.guarded(r, viaSession, guard, func() error {
		var err error
		sess, err = s.Get(r.Context(), secret)
		return err
	})
	if err != nil {
		return nil, err
	}
	p := &authn.Principal{Tenant: sess.Tenant, ID: sess.Person, Name: sess.Name, Roles: sess.Roles,
		Method: authn.Session, SessionID: sess.ID, CSRF: sess.CSRF}
	if err := served(p, tenants); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Store) authToken(r *http.Request, secret string, tenants func() *tenant.Registry, guard *authguard.Guard) (*authn.Principal, error) {
	var tok *Token
	err := s.guarded(r, viaToken, guard, func() error {
		var err error
		tok, err = s.GetToken(r.Context(), secret)
		return err
	})
	if err != nil {
		return nil, err
	}
	p := &authn.Principal{Tenant: tok.Tenant, ID: tok.Person, Roles: slices.Clone(tok.Roles), Method: authn.Token, TokenID: tok.ID}
	if err := served(p, tenants); err != nil {
		return nil, err
	}
	return p, nil
}

// guarded runs look under guard and turns its answer into authn's.
func (s *Store) guarded(r *http.Request, via string, guard *authguard.Guard, look func() error) error {
	var err error
	verify := func() bool {
		err = look()
		// Only a secret that names nothing is a guess; a real one ended
		// or expired is not, and neither is NATS being away.
		return err == nil || err != ErrNotFound // ErrNotFound itself: the others wrap it
	}
	if guard == nil {
		verify()
	} else {
		switch gerr := guard.CheckSecret(via, r.RemoteAddr, verify); {
		case errors.Is(gerr, authguard.ErrThrottled), errors.Is(gerr, authguard.ErrLocked):
			return fmt.Errorf("%w: %w", authn.ErrThrottled, gerr)
		case gerr != nil && err == nil:
			return fmt.Errorf("%w: %w", authn.ErrBadCredentials, gerr)
		}
	}
	switch {
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("%w: %s: %w", authn.ErrBadCredentials, via, err)
	case err != nil:
		return fmt.Errorf("check %s: %w", via, err)
	}
	return nil
}

// served refuses a principal whose tenant is no longer served.
func served(p *authn.Principal, tenants func() *tenant.Registry) error {
	var reg *tenant.Registry
	if tenants != nil {
		reg = tenants()
	}
	if reg == nil {
		return fmt.Errorf("%w: no tenants are served", authn.ErrBadCredentials)
	}
	t, err := reg.Get(p.Tenant)
	if err != nil {
		return fmt.Errorf("%w: %w", authn.ErrBadCredentials, err)
	}
	if !t.Operator && slices.Contains(p.Roles, people.Drift) {
		// The tenant is no longer the joint body's own (a reloaded
		// tenants file): its people hold drift no more.
		p.Roles = slices.DeleteFunc(slices.Clone(p.Roles), func(r people.Role) bool { return r == people.Drift })
		if len(p.Roles) == 0 {
			return fmt.Errorf("%w: %s is no longer the operator tenant, and drift was the only role", authn.ErrBadCredentials, t.ID)
		}
	}
	return nil
}

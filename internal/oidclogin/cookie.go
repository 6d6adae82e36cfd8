package oidclogin

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// cookieName is the state cookie's name. There is one per browser: a second
// login started in another tab replaces the first.
const cookieName = "earkiv_oidc"

// stateTTL is how long a login may take at the provider.
const stateTTL = 10 * time.Minute

// pending is what Start seals into the state cookie and Finish opens: all
// that ties a callback to the login this server started.
type pending struct {
	State    string    `json:"s"`
	Nonce    string    `json:"n"`
	Verifier string    `json:"v"`
	Tenant   string    `json:"t"`
	ReturnTo string    `json:"r"`
	Expires  time.Time `json:"e"`
}

// seal encrypts p with the AEAD, so the browser can neither read the PKCE
// verifier and nonce nor change the tenant. The cookie name is the
// associated data: a value sealed for another purpose does not open here.
func seal(aead cipher.AEAD, p *pending) (string, error) {
	plain, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("encode login state: %w", err)
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("login state nonce: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, []byte(cookieName))), nil
}

// open reverses seal and refuses an expired state.
func open(aead cipher.AEAD, v string, now time.Time) (*pending, error) {
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(b) < aead.NonceSize() {
		return nil, errors.New("state cookie is malformed")
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte(cookieName))
	if err != nil {
		return nil, errors.New("state cookie was not sealed by this server")
	}
	var p pending
	if err := json.Unmarshal(plain, &p); err != nil {
		return nil, fmt.Errorf("state cookie: %w", err)
	}
	if !now.Before(p.Expires) {
		return nil, errors.New("the login took longer than 10 minutes")
	}
	return &p, nil
}

// stateCookie is the cookie for value; an empty value clears it. Its path
// is the callback's, the only place it is read.
func stateCookie(r *http.Request, value string, secure bool) *http.Cookie {
	c := &http.Cookie{
		Name:     cookieName,
		Value:    value,
		Path:     CallbackPath,
		MaxAge:   int(stateTTL / time.Second),
		HttpOnly: true,
		Secure:   secure || r.TLS != nil, // secure: served behind a TLS proxy
		// Lax: the provider's redirect back is a top-level GET, which
		// carries the cookie; a cross-site POST or subrequest does not.
		SameSite: http.SameSiteLaxMode,
	}
	if value == "" {
		c.MaxAge = -1
	}
	return c
}

// randomToken returns 32 random bytes in base64url: a state or a nonce.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

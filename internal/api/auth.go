package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/earkiv/earkiv/internal/authguard"
	"github.com/earkiv/earkiv/internal/authn"
	"github.com/earkiv/earkiv/internal/tenant"
)

// producer finds a case system's principal in HTTP basic credentials,
// checked against the tenants' producer logins through the guard. Basic
// credentials with a user that is no producer are refused like a wrong
// password: people log in with a session or a token, never here.
func (s *server) producer(r *http.Request) (*authn.Principal, error) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return nil, nil
	}
	reg := s.cfg.Tenants()
	var found *tenant.Tenant
	for _, t := range reg.Tenants {
		if t.Producer.User == user {
			found = t
		}
	}
	err := s.cfg.Guard.Check("http", user, r.RemoteAddr, func() bool {
		if found == nil {
			// As long as a known user's check: the cost most tenants' hashes have.
			hashes := make([]string, 0, len(reg.Tenants))
			for _, t := range reg.Tenants {
				hashes = append(hashes, t.Producer.PasswordHash)
			}
			return authguard.Compare("", pass, authguard.Cost(hashes))
		}
		return s.creds.verify(found, user, pass)
	})
	switch {
	case errors.Is(err, authguard.ErrDenied):
		return nil, fmt.Errorf("%w: %w", authn.ErrBadCredentials, err)
	case err != nil:
		return nil, fmt.Errorf("%w: %w", authn.ErrThrottled, err)
	}
	return &authn.Principal{Tenant: found.ID, ID: user, Method: authn.Producer}, nil
}

// authFailed answers credentials that were refused. Locked or backing
// off gets 429 rather than 401: the same answer as a wrong password would
// only invite more attempts; it says when to come back.
func (s *server) authFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, authn.ErrBadCredentials):
		w.Header().Set("WWW-Authenticate", `Basic realm="earkiv"`)
		if h := r.Header.Get("Authorization"); h != "" && !strings.HasPrefix(h, "Basic ") {
			writeErr(w, http.StatusUnauthorized, "the token is wrong, expired or revoked; log in again (earkiv login)")
			return
		}
		writeErr(w, http.StatusUnauthorized, "wrong user or password")
	case errors.Is(err, authn.ErrThrottled):
		w.Header().Set("Retry-After", "60")
		writeErr(w, http.StatusTooManyRequests, "too many failed logins; try again later")
	default:
		s.cfg.Log.Error("api: login check", "err", err)
		writeErr(w, http.StatusServiceUnavailable, "login unavailable")
	}
}

// credCache keeps verified credentials for a minute, to spare a bcrypt on
// every request of a polling case system.
type credCache struct {
	key [32]byte
	mu  sync.Mutex
	m   map[[32]byte]authEntry // Lock: mu
}

type authEntry struct {
	tenant string
	hash   string // the hash verified against; a changed password invalidates the entry
	until  time.Time
}

// mac is the cache key of a user and password: keyed, so the cache holds
// nothing a password can be checked against offline.
func (c *credCache) mac(user, pass string) [32]byte {
	m := hmac.New(sha256.New, c.key[:])
	binary.Write(m, binary.BigEndian, uint32(len(user)))
	m.Write([]byte(user))
	m.Write([]byte(pass))
	var out [32]byte
	m.Sum(out[:0])
	return out
}

func (c *credCache) verify(t *tenant.Tenant, user, pass string) bool {
	key := c.mac(user, pass)
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[key]
	if ok && now.After(e.until) {
		delete(c.m, key)
		ok = false
	}
	c.mu.Unlock()
	if ok && e.tenant == t.ID && e.hash == t.Producer.PasswordHash {
		return true
	}
	if !authguard.Compare(t.Producer.PasswordHash, pass, 0) {
		return false
	}
	c.mu.Lock()
	c.m[key] = authEntry{tenant: t.ID, hash: t.Producer.PasswordHash, until: now.Add(time.Minute)}
	c.mu.Unlock()
	return true
}

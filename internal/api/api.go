// Package api is earkiv's HTTP interface for producers: health and
// per-tenant reads of receipts and the catalog. The tenant always comes from
// the caller's credentials, never from the URL, so no request can name its
// way into another municipality's records. Prometheus metrics, which show
// every tenant's counters, are served by Metrics on a listener of their own.
package api

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/earkiv/earkiv/internal/authguard"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Config wires the API.
type Config struct {
	Tenants func() *tenant.Registry
	Queue   *queue.Client
	Catalog *catalog.Catalog // nil in worker-only processes
	Health  func(context.Context) error
	// Guard throttles failed logins; nil: one of its own with the default
	// policy. The service shares it with the NATS server.
	Guard *authguard.Guard
	Log   *slog.Logger
}

type server struct {
	cfg   Config
	creds *credCache
}

// New returns the API handler.
func New(cfg Config) http.Handler {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Guard == nil {
		cfg.Guard = authguard.New(authguard.DefaultPolicy(), cfg.Log)
	}
	s := &server{cfg: cfg, creds: &credCache{m: map[[32]byte]authEntry{}}}
	rand.Read(s.creds.key[:])
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.health)
	mux.HandleFunc("GET /api/v1/receipts/{id}", checkID(s.auth(s.receipt)))
	mux.HandleFunc("GET /api/v1/aips", s.auth(list(s, (*catalog.Catalog).AIPs)))
	mux.HandleFunc("GET /api/v1/aips/{id}", checkID(s.auth(s.aip)))
	mux.HandleFunc("GET /api/v1/cases", s.auth(list(s, (*catalog.Catalog).Cases)))
	return headers(mux)
}

// headers sets what every answer carries: no content sniffing, no caching
// of per-tenant records by browsers or proxies.
func headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// health answers the public listener: up or not, without the reason, which
// names internal endpoints; the reason is logged and shown on the metrics
// listener.
func (s *server) health(w http.ResponseWriter, r *http.Request) {
	if err := checkHealth(r.Context(), s.cfg.Health); err != nil {
		s.cfg.Log.Warn("api: unhealthy", "err", err)
		http.Error(w, "unhealthy", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ok\n"))
}

func checkHealth(ctx context.Context, health func(context.Context) error) error {
	if health == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return health(ctx)
}

type handler func(w http.ResponseWriter, r *http.Request, t *tenant.Tenant)

// checkID refuses a path id that could not be a receipt or AIP id, before
// any login or NATS call.
func checkID(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := ids.Lookup(r.PathValue("id")); err != nil {
			writeErr(w, http.StatusBadRequest, err.Error())
			return
		}
		next(w, r)
	}
}

// auth checks HTTP basic credentials against the tenants' producer logins,
// through the guard.
func (s *server) auth(next handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="earkiv"`)
			writeErr(w, http.StatusUnauthorized, "credentials required")
			return
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
			w.Header().Set("WWW-Authenticate", `Basic realm="earkiv"`)
			writeErr(w, http.StatusUnauthorized, "wrong user or password")
			return
		case err != nil:
			// Locked or backing off: the same answer as a wrong password
			// would only invite more attempts; say when to come back.
			w.Header().Set("Retry-After", "60")
			writeErr(w, http.StatusTooManyRequests, "too many failed logins; try again later")
			return
		}
		next(w, r, found)
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

func (s *server) receipt(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
	rec, err := s.cfg.Queue.Receipt(r.Context(), t.ID, r.PathValue("id"))
	if errors.Is(err, queue.ErrNoReceipt) {
		writeErr(w, http.StatusNotFound, "no receipt for "+r.PathValue("id")+" (yet)")
		return
	}
	if err != nil {
		s.cfg.Log.Error("api: receipt", "tenant", t.ID, "err", err)
		writeErr(w, http.StatusServiceUnavailable, "receipts unavailable")
		return
	}
	writeJSON(w, rec)
}

func (s *server) noCatalog(w http.ResponseWriter) bool {
	if s.cfg.Catalog == nil {
		writeErr(w, http.StatusNotFound, "this process keeps no catalog; ask earkiv serve")
		return true
	}
	return false
}

// list serves one of the tenant's catalog listings as a JSON array ([] when empty).
func list[T any](s *server, fetch func(*catalog.Catalog, context.Context, string) ([]T, error)) handler {
	return func(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
		if s.noCatalog(w) {
			return
		}
		out, err := fetch(s.cfg.Catalog, r.Context(), t.ID)
		if err != nil {
			s.internal(w, t, err)
			return
		}
		if out == nil {
			out = []T{}
		}
		writeJSON(w, out)
	}
}

func (s *server) aip(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
	if s.noCatalog(w) {
		return
	}
	m, err := s.cfg.Catalog.Manifest(r.Context(), t.ID, r.PathValue("id"))
	if errors.Is(err, catalog.ErrNotFound) {
		writeErr(w, http.StatusNotFound, "no such AIP")
		return
	}
	if err != nil {
		s.internal(w, t, err)
		return
	}
	writeJSON(w, m)
}

// internal logs an error and answers without its text, which names files
// and queries.
func (s *server) internal(w http.ResponseWriter, t *tenant.Tenant, err error) {
	s.cfg.Log.Error("api: catalog", "tenant", t.ID, "err", err)
	writeErr(w, http.StatusInternalServerError, "catalog unavailable")
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

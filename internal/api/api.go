// Package api is earkiv's HTTP interface: health, Prometheus metrics, and
// per-tenant reads of receipts and the catalog. The tenant always comes from
// the caller's credentials, never from the URL, so no request can name its
// way into another municipality's records.
package api

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/crypto/bcrypt"

	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Config wires the API.
type Config struct {
	Tenants  func() *tenant.Registry
	Queue    *queue.Client
	Catalog  *catalog.Catalog // nil in worker-only processes
	Gatherer prometheus.Gatherer
	Health   func(context.Context) error
	Log      *slog.Logger
}

type server struct {
	cfg   Config
	mu    sync.Mutex
	cache map[[32]byte]authEntry // verified credentials, to spare bcrypt on every request
}

type authEntry struct {
	tenant string
	hash   string // the hash verified against; a changed password invalidates the entry
	until  time.Time
}

// New returns the API handler.
func New(cfg Config) http.Handler {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &server{cfg: cfg, cache: map[[32]byte]authEntry{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.health)
	if cfg.Gatherer != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(cfg.Gatherer, promhttp.HandlerOpts{}))
	}
	mux.HandleFunc("GET /api/v1/receipts/{id}", s.auth(s.receipt))
	mux.HandleFunc("GET /api/v1/aips", s.auth(list(s, (*catalog.Catalog).AIPs)))
	mux.HandleFunc("GET /api/v1/aips/{id}", s.auth(s.aip))
	mux.HandleFunc("GET /api/v1/cases", s.auth(list(s, (*catalog.Catalog).Cases)))
	return mux
}

func (s *server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if s.cfg.Health != nil {
		if err := s.cfg.Health(ctx); err != nil {
			http.Error(w, "unhealthy: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	w.Write([]byte("ok\n"))
}

type handler func(w http.ResponseWriter, r *http.Request, t *tenant.Tenant)

// auth checks HTTP basic credentials against the tenants' producer logins.
func (s *server) auth(next handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="earkiv"`)
			writeErr(w, http.StatusUnauthorized, "credentials required")
			return
		}
		var found *tenant.Tenant
		for _, t := range s.cfg.Tenants().Tenants {
			if t.Producer.User == user {
				found = t
			}
		}
		if found == nil || !s.verify(found, user, pass) {
			w.Header().Set("WWW-Authenticate", `Basic realm="earkiv"`)
			writeErr(w, http.StatusUnauthorized, "wrong user or password")
			return
		}
		next(w, r, found)
	}
}

func (s *server) verify(t *tenant.Tenant, user, pass string) bool {
	key := sha256.Sum256([]byte(user + "\x00" + pass))
	s.mu.Lock()
	e, ok := s.cache[key]
	s.mu.Unlock()
	if ok && e.tenant == t.ID && e.hash == t.Producer.PasswordHash && time.Now().Before(e.until) {
		return true
	}
	if bcrypt.CompareHashAndPassword([]byte(t.Producer.PasswordHash), []byte(pass)) != nil {
		return false
	}
	s.mu.Lock()
	s.cache[key] = authEntry{tenant: t.ID, hash: t.Producer.PasswordHash, until: time.Now().Add(time.Minute)}
	s.mu.Unlock()
	return true
}

func (s *server) receipt(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
	rec, err := s.cfg.Queue.Receipt(r.Context(), t.ID, r.PathValue("id"))
	if errors.Is(err, queue.ErrNoReceipt) {
		writeErr(w, http.StatusNotFound, "no receipt for "+r.PathValue("id")+" (yet)")
		return
	}
	if err != nil {
		s.cfg.Log.Error("api: receipt", "err", err)
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
			writeErr(w, http.StatusInternalServerError, err.Error())
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
		writeErr(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, m)
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

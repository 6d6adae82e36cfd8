// Package api is earkiv's HTTP interface for producers: health and
// per-tenant reads of receipts and the catalog. The tenant always comes from
// the caller's credentials, never from the URL, so no request can name its
// way into another municipality's records. Prometheus metrics, which show
// every tenant's counters, are served by Metrics on a listener of their own.
package api

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/earkiv/earkiv/internal/authguard"
	"github.com/earkiv/earkiv/internal/authn"
	"github.com/earkiv/earkiv/internal/authz"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Config wires the API.
type Config struct {
	Tenants func() *tenant.Registry
	Queue   Receipts         // the receipts (kvittenser) producers ask for
	Catalog *catalog.Catalog // nil in worker-only processes
	Health  func(context.Context) error
	// Guard throttles failed logins; nil: one of its own with the default
	// policy. The service shares it with the NATS server.
	Guard *authguard.Guard
	// Authenticators find people (sessions, personal tokens), tried after
	// the producers' basic login.
	Authenticators []authn.Authenticator
	// People, Tokens and AccessLog serve people's scripts (login, whoami,
	// the access log); without them those routes do not exist.
	People    people.Buckets
	Tokens    Tokens
	AccessLog AccessLog
	// Retention serves the plan, retention and holds (serve only).
	Retention Retention
	// Disposal serves gallring lists (serve only); Kick wakes the
	// executor after a list is started.
	Disposal Disposal
	Kick     func()
	Log      *slog.Logger
}

// Receipts reads a tenant's receipts; queue.Client is one. It returns
// earkiv.ErrNoReceipt while a submission has none.
type Receipts interface {
	Receipt(ctx context.Context, tenant, id string) (*earkiv.Receipt, error)
}

type server struct {
	cfg   Config
	creds *credCache
	mux   *authz.Mux
}

// Handler is the API: every route names the permission it needs (see
// Routes), and the tenant of every answer is the caller's.
type Handler struct {
	s *server
	h http.Handler
}

// New returns the API handler.
func New(cfg Config) *Handler {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Guard == nil {
		cfg.Guard = authguard.New(authguard.DefaultPolicy(), cfg.Log)
	}
	s := &server{cfg: cfg, creds: &credCache{m: map[[32]byte]authEntry{}}}
	rand.Read(s.creds.key[:])
	m := authz.NewMux(refuse)
	s.mux = m
	m.HandleFunc("GET", "/healthz", authz.Anyone, authz.API, s.health)
	m.HandleFunc("GET", "/api/v1/receipts/{id}", authz.ProducerAPI, authz.API, checkID(s.tenant(s.receipt)))
	m.HandleFunc("GET", "/api/v1/aips", authz.ProducerAPI, authz.API, s.tenant(list(s, (*catalog.Catalog).AIPs)))
	m.HandleFunc("GET", "/api/v1/aips/{id}", authz.ProducerAPI, authz.API, checkID(s.tenant(s.aip)))
	m.HandleFunc("GET", "/api/v1/cases", authz.ProducerAPI, authz.API, s.tenant(list(s, (*catalog.Catalog).Cases)))
	s.personRoutes(m)
	s.retentionRoutes(m)
	s.disposalRoutes(m)
	auths := append([]authn.Authenticator{authn.Func(s.producer)}, cfg.Authenticators...)
	return &Handler{s: s, h: headers(authn.Middleware(s.authFailed, auths...)(m))}
}

// ServeHTTP serves the API.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.h.ServeHTTP(w, r) }

// Routes lists the API's routes with the permission each needs.
func (h *Handler) Routes() []authz.Route { return h.s.mux.Routes() }

// refuse answers a request without a login (401) or without the
// permission (403) in JSON.
func refuse(w http.ResponseWriter, _ *http.Request, _ authz.Kind, code int) {
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="earkiv"`)
		writeErr(w, code, "credentials required")
		return
	}
	writeErr(w, code, "not allowed for your roles")
}

// tenant gives a handler the caller's tenant, from the principal the
// login established, never from the request.
func (s *server) tenant(next handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, _ := authn.FromContext(r.Context()) // the mux let only principals through
		t, err := s.cfg.Tenants().Get(p.Tenant)
		if err != nil {
			// The tenant was removed since the login.
			writeErr(w, http.StatusUnauthorized, "credentials required")
			return
		}
		next(w, r, t)
	}
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
// any NATS call.
func checkID(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := ids.Lookup(r.PathValue("id")); err != nil {
			writeErr(w, http.StatusBadRequest, err.Error())
			return
		}
		next(w, r)
	}
}

func (s *server) receipt(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
	rec, err := s.cfg.Queue.Receipt(r.Context(), t.ID, r.PathValue("id"))
	if errors.Is(err, earkiv.ErrNoReceipt) {
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

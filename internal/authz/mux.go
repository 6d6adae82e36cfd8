package authz

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/earkiv/earkiv/internal/authn"
)

// Kind says how a route answers a principal it refuses.
type Kind int

// The kinds.
const (
	// API routes answer JSON: 401 without a login, 403 without the permission.
	API Kind = iota
	// Page routes send a browser without a login to the login page, and
	// show a page in Swedish for a refusal.
	Page
)

// Route is one registered route.
type Route struct {
	Method  string
	Pattern string // as http.ServeMux reads it, without the method
	Perm    Permission
	Kind    Kind
}

func (r Route) String() string { return r.Method + " " + r.Pattern }

// Refusal answers a request that is refused; the mux calls it with 401
// (no principal) or 403 (not allowed).
type Refusal func(w http.ResponseWriter, r *http.Request, kind Kind, code int)

// Mux is an http.ServeMux whose every route names the permission it needs.
// Handlers find the principal with authn.FromContext; on routes other than
// Anyone it is always there.
type Mux struct {
	mux    *http.ServeMux
	refuse Refusal

	mu     sync.Mutex
	routes []Route // Lock: mu
}

// NewMux returns an empty mux; refuse answers refusals (nil: plain text).
func NewMux(refuse Refusal) *Mux {
	if refuse == nil {
		refuse = func(w http.ResponseWriter, _ *http.Request, _ Kind, code int) {
			http.Error(w, http.StatusText(code), code)
		}
	}
	return &Mux{mux: http.NewServeMux(), refuse: refuse}
}

// Handle registers h for method and pattern, served to principals that
// hold perm. It panics on an unknown permission or method, as ServeMux
// does on a bad pattern: both are programming errors.
func (m *Mux) Handle(method, pattern string, perm Permission, kind Kind, h http.Handler) {
	if !slices.Contains(Permissions, perm) {
		panic(fmt.Sprintf("authz: route %s %s: unknown permission %q", method, pattern, perm))
	}
	if method == "" || strings.ContainsAny(method, " /") {
		panic(fmt.Sprintf("authz: route %q: a route names its method", pattern))
	}
	m.mu.Lock()
	m.routes = append(m.routes, Route{Method: method, Pattern: pattern, Perm: perm, Kind: kind})
	m.mu.Unlock()
	m.mux.Handle(method+" "+pattern, m.guard(perm, kind, h))
}

// HandleFunc is Handle for a function.
func (m *Mux) HandleFunc(method, pattern string, perm Permission, kind Kind, h http.HandlerFunc) {
	m.Handle(method, pattern, perm, kind, h)
}

func (m *Mux) guard(perm Permission, kind Kind, h http.Handler) http.Handler {
	if perm == Anyone {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := authn.FromContext(r.Context())
		switch {
		case !ok:
			m.refuse(w, r, kind, http.StatusUnauthorized)
		case !Allowed(p, perm):
			m.refuse(w, r, kind, http.StatusForbidden)
		default:
			h.ServeHTTP(w, r)
		}
	})
}

// Routes returns the routes registered, in order.
func (m *Mux) Routes() []Route {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.routes)
}

// ServeHTTP serves the request through the registered routes.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.mux.ServeHTTP(w, r) }

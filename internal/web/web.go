package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/authguard"
	"github.com/earkiv/earkiv/internal/authn"
	"github.com/earkiv/earkiv/internal/authz"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/oidclogin"
	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/session"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Receipts reads a tenant's receipts with their validation reports;
// queue.Client is one. It returns earkiv.ErrNoReceipt while a delivery has
// none.
type Receipts interface {
	Receipt(ctx context.Context, tenant, id string) (*earkiv.Receipt, error)
}

// AccessLog appends to a tenant's access log; *accesslog.Log is one.
type AccessLog interface {
	Append(ctx context.Context, e accesslog.Entry) (uint64, error)
}

// Config is what the web interface needs.
type Config struct {
	Tenants   func() *tenant.Registry
	People    people.Buckets
	Sessions  *session.Store
	OIDC      *oidclogin.Login // nil: no tenant logs in through an identity provider
	Catalog   *catalog.Catalog
	Receipts  Receipts
	Place     placement.Placement
	AccessLog AccessLog
	Guard     *authguard.Guard
	// Retention imports and fastställer the plan and places and lifts
	// gallringsstopp; nil: the interface has no retention pages.
	Retention Retention
	// Disposal proposes, attests and carries out gallring lists; nil:
	// the interface has no list pages. Kick wakes the executor once a
	// list is started (nil: it finds the list on its next round).
	Disposal Disposal
	Kick     func()
	// Secure marks cookies Secure: the service is behind HTTPS.
	Secure bool
	Log    *slog.Logger
	// HashCost is the bcrypt cost of passwords the people pages set (0:
	// people's default); tests lower it.
	HashCost int
}

// Handler serves the web interface.
type Handler struct {
	cfg   Config
	mux   *authz.Mux
	pages map[string]*template.Template
	log   *slog.Logger
	next  http.Handler
}

// New makes the web interface.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.Tenants == nil:
		return nil, errors.New("web: no tenants")
	case cfg.People == nil:
		return nil, errors.New("web: no people buckets")
	case cfg.Sessions == nil:
		return nil, errors.New("web: no session store")
	case cfg.Catalog == nil:
		return nil, errors.New("web: no catalog")
	case cfg.AccessLog == nil:
		return nil, errors.New("web: no access log")
	case cfg.Guard == nil:
		return nil, errors.New("web: no login guard")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, pages: pages, log: cfg.Log}
	h.mux = authz.NewMux(h.refuse)
	h.routes()
	fail := func(w http.ResponseWriter, r *http.Request, err error) { h.authFailed(w, r, err) }
	var next http.Handler = h.mux
	next = h.checkForm(next)
	next = http.NewCrossOriginProtection().Handler(next)
	next = authn.Middleware(fail, cfg.Sessions.Authenticator(cfg.Tenants, cfg.Guard))(next)
	h.next = next
	return h, nil
}

// Routes returns every route of the interface with its permission.
func (h *Handler) Routes() []authz.Route { return h.mux.Routes() }

// ServeHTTP serves a request: security headers, the session's principal,
// a refusal of cross-origin writes, then the route.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	if !strings.HasPrefix(r.URL.Path, "/static/") {
		hd.Set("Cache-Control", "no-store")
	}
	h.next.ServeHTTP(w, r)
}

func (h *Handler) routes() {
	m := h.mux
	m.HandleFunc("GET", "/static/{file...}", authz.Anyone, authz.Page, h.static)
	m.HandleFunc("GET", "/inloggning", authz.Anyone, authz.Page, h.loginForm)
	m.HandleFunc("POST", "/inloggning", authz.Anyone, authz.Page, h.login)
	m.HandleFunc("GET", "/inloggning/oidc/{tenant}", authz.Anyone, authz.Page, h.oidcStart)
	m.HandleFunc("GET", oidclogin.CallbackPath, authz.Anyone, authz.Page, h.oidcFinish)
	m.HandleFunc("POST", "/utloggning", authz.Person, authz.Page, h.logout)
	m.HandleFunc("GET", "/{$}", authz.Person, authz.Page, h.start)
	m.HandleFunc("GET", "/leveranser/{id}", authz.Deliveries, authz.Page, h.delivery)
	m.HandleFunc("GET", "/arenden", authz.ReadPublic, authz.Page, h.cases)
	m.HandleFunc("GET", "/arenden/{aip}/{case}", authz.ReadPublic, authz.Page, h.caseView)
	m.HandleFunc("POST", "/arenden/{aip}/{case}", authz.ReadPublic, authz.Page, h.caseView)
	m.HandleFunc("GET", "/arenden/{aip}/{case}/handlingar/{doc}", authz.ReadPublic, authz.Page, h.documentView)
	m.HandleFunc("POST", "/arenden/{aip}/{case}/handlingar/{doc}", authz.ReadPublic, authz.Page, h.documentView)
	m.HandleFunc("GET", "/arenden/{aip}/{case}/handlingar/{doc}/filer/{n}", authz.ReadPublic, authz.Page, h.download)
	m.HandleFunc("POST", "/arenden/{aip}/{case}/handlingar/{doc}/filer/{n}", authz.ReadPublic, authz.Page, h.download)
	m.HandleFunc("GET", "/nycklar", authz.Person, authz.Page, h.tokens)
	m.HandleFunc("POST", "/nycklar", authz.Person, authz.Page, h.createToken)
	m.HandleFunc("POST", "/nycklar/{id}/aterkalla", authz.Person, authz.Page, h.revokeToken)
	m.HandleFunc("GET", "/personer", authz.ManagePeople, authz.Page, h.peoplePage)
	m.HandleFunc("POST", "/personer", authz.ManagePeople, authz.Page, h.addPerson)
	m.HandleFunc("POST", "/personer/{id}/roller", authz.ManagePeople, authz.Page, h.setRoles)
	m.HandleFunc("POST", "/personer/{id}/inaktivera", authz.ManagePeople, authz.Page, h.disablePerson)
	if h.cfg.Retention != nil {
		h.retentionRoutes()
	}
	if h.cfg.Disposal != nil {
		h.disposalRoutes()
	}
}

// refuse answers a request the mux refuses: a browser without a login goes
// to the login page and back, one without the permission gets a page
// saying so.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, kind authz.Kind, code int) {
	if code == http.StatusUnauthorized && kind == authz.Page {
		back := r.URL.EscapedPath()
		if r.Method != http.MethodGet {
			back = "/"
		}
		http.Redirect(w, r, "/inloggning?till="+url.QueryEscape(back), http.StatusSeeOther)
		return
	}
	if code == http.StatusUnauthorized {
		h.message(w, r, code, "Du är inte inloggad", "Logga in för att fortsätta.")
		return
	}
	h.message(w, r, code, "Du har inte behörighet", "Du har inte behörighet att se den här sidan. Fråga kommunens administratör om du behöver den.")
}

// authFailed answers credentials the session authenticator refused.
func (h *Handler) authFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, authn.ErrBadCredentials):
		// An ended or expired session: forget the cookie, log in again.
		session.ClearCookie(w, h.cfg.Secure)
		if r.Header.Get("Authorization") != "" {
			h.message(w, r, http.StatusUnauthorized, "Nyckeln gäller inte", "API-nyckeln är fel, har gått ut eller har återkallats.")
			return
		}
		back := r.URL.EscapedPath()
		if r.Method != http.MethodGet || strings.HasPrefix(back, "/inloggning") {
			back = "/"
		}
		http.Redirect(w, r, "/inloggning?till="+url.QueryEscape(back), http.StatusSeeOther)
	case errors.Is(err, authn.ErrThrottled):
		w.Header().Set("Retry-After", "60")
		h.message(w, r, http.StatusTooManyRequests, "För många försök", "För många misslyckade inloggningar. Vänta en stund och försök igen.")
	default:
		h.log.Error("web: authenticate", "err", err)
		h.message(w, r, http.StatusServiceUnavailable, "Tjänsten svarar inte", "Inloggningen kunde inte kontrolleras just nu. Försök igen om en stund.")
	}
}

// checkForm refuses a form posted in a browser session without the
// session's form token. Go's cross-origin protection already refuses
// another site's form in every current browser; the token also covers a
// browser that sends neither Sec-Fetch-Site nor Origin.
func (h *Handler) checkForm(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := authn.FromContext(r.Context())
		if r.Method == http.MethodPost && ok && p.Method == authn.Session && p.CSRF != "" &&
			subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(p.CSRF)) != 1 {
			h.message(w, r, http.StatusForbidden, "Formuläret gäller inte längre",
				"Formuläret kom inte från din inloggning eller har gått ut. Gå tillbaka, ladda om sidan och försök igen.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// principal is the request's person. Routes other than Anyone always
// have one; the tenant of everything a handler reads is its Tenant.
func principal(r *http.Request) *authn.Principal {
	p, _ := authn.FromContext(r.Context())
	return p
}

// tenantOf returns the tenant of p, the only tenant a handler reads.
func (h *Handler) tenantOf(p *authn.Principal) (*tenant.Tenant, error) {
	t, err := h.cfg.Tenants().Get(p.Tenant)
	if err != nil {
		return nil, fmt.Errorf("web: tenant of %s: %w", p.ID, err)
	}
	return t, nil
}

// roleFor is the role of p that grants perm, as the access log records it.
func roleFor(p *authn.Principal, perm authz.Permission) string {
	for _, r := range p.Roles {
		if authz.Allowed(&authn.Principal{Tenant: p.Tenant, ID: p.ID, Roles: []people.Role{r}, Method: p.Method}, perm) {
			return string(r)
		}
	}
	return ""
}

// localPath tells whether s is a path of this site to return to after a
// login: never another host, so a link cannot send a person elsewhere.
func localPath(s string) bool {
	return s != "" && oidclogin.LocalPath(s) == s && !strings.HasPrefix(s, "/inloggning")
}

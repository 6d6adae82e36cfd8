package service

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/api"
	"github.com/earkiv/earkiv/internal/authguard"
	"github.com/earkiv/earkiv/internal/authz"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/disposal"
	"github.com/earkiv/earkiv/internal/oidclogin"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/retention"
	"github.com/earkiv/earkiv/internal/session"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/web"
)

// serveHTTP listens on addr now, so a taken address fails the start, and
// serves h as a part. The part returns once Shutdown has: by then no
// handler runs, so what handlers use can be closed after it.
func serveHTTP(g *parts, log *slog.Logger, name, addr string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	srv := api.NewServer(h)
	g.add(name, func(ctx context.Context) error {
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ln) }()
		select {
		case err := <-served:
			return fmt.Errorf("%s: %w", name, err)
		case <-ctx.Done():
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			log.Warn(name+": requests still running at shutdown were cut off", "err", err)
			if err := srv.Close(); err != nil {
				log.Warn(name+": close", "err", err)
			}
		}
		// Serve returns http.ErrServerClosed from the moment Shutdown began.
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			log.Warn(name+": serve", "err", err)
		}
		return nil
	})
	return "http://" + ln.Addr().String(), nil
}

// webConfig is what the web pages need of the service.
type webConfig struct {
	cfg      Config
	dataDir  string
	tenants  func() *tenant.Registry
	q        *queue.Client
	sessions *session.Store
	cat      *catalog.Catalog
	place    placement.Placement
	alog     *accesslog.Log
	guard    *authguard.Guard
	ret      *retention.Service
	gallring *disposal.Service
	kick     func()
	log      *slog.Logger
}

// withWeb serves the web pages and the API on one listener: /api/ and
// /healthz go to the API, everything else to the pages. Requests that
// change something and come from another site are refused for both.
func withWeb(a *api.Handler, c webConfig) (routedHandler, error) {
	public := c.cfg.PublicURL
	if public == "" {
		public = "http://" + c.cfg.HTTPAddr
	}
	u, err := url.Parse(public)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("public URL %q: want http(s)://host[:port] without a path", public)
	}
	public = u.Scheme + "://" + u.Host
	key, err := oidcStateKey(c.dataDir)
	if err != nil {
		return nil, err
	}
	login := oidclogin.New(oidclogin.Config{Tenants: c.tenants, RedirectURL: public + oidclogin.CallbackPath, Key: key,
		Secure: u.Scheme == "https", Log: c.log})
	wc := web.Config{Tenants: c.tenants, People: c.q, Sessions: c.sessions, OIDC: login, Catalog: c.cat, Receipts: c.q,
		Place: c.place, AccessLog: c.alog, Guard: c.guard, Secure: u.Scheme == "https", Log: c.log}
	if c.ret != nil { // a nil *retention.Service in the interface would count as set
		wc.Retention = c.ret
	}
	if c.gallring != nil {
		wc.Disposal, wc.Kick = c.gallring, c.kick
	}
	w, err := web.New(wc)
	if err != nil {
		return nil, err
	}
	return newPublicHandler(a, w), nil
}

// routedHandler is a handler that lists its routes with the permission
// each needs: the API alone, or the API and the pages.
type routedHandler interface {
	http.Handler
	Routes() []authz.Route
}

type publicHandler struct {
	api *api.Handler
	web *web.Handler
	h   http.Handler
}

// maxPageBody bounds what a browser may post to the pages: forms, and a
// plan file of at most plans.MaxSource.
const maxPageBody = 4 << 20

func newPublicHandler(a *api.Handler, w *web.Handler) *publicHandler {
	mux := http.NewServeMux()
	mux.Handle("/api/", a)
	mux.Handle("/healthz", a)
	mux.Handle("/", http.MaxBytesHandler(w, maxPageBody))
	return &publicHandler{api: a, web: w, h: http.NewCrossOriginProtection().Handler(mux)}
}

func (p *publicHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.h.ServeHTTP(w, r) }

// Routes lists the routes of the API and of the pages.
func (p *publicHandler) Routes() []authz.Route { return append(p.api.Routes(), p.web.Routes()...) }

// oidcStateKey is the key that seals the state of OIDC logins in
// progress, derived from the data folder's access log key, so a login
// begun before a restart finishes after it. Nodes that share one public
// address share that key file too (or route a browser to one node).
func oidcStateKey(dataDir string) ([]byte, error) {
	b, err := os.ReadFile(AccessLogKeyFile(dataDir))
	if err != nil {
		return nil, fmt.Errorf("oidc state key: %w", err)
	}
	skey, _, _ := strings.Cut(string(b), "\n")
	h := sha256.New()
	h.Write([]byte("earkiv oidc state key\x00"))
	h.Write([]byte(strings.TrimSpace(skey)))
	return h.Sum(nil), nil
}

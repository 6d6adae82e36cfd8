package api

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"time"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/authguard"
	"github.com/earkiv/earkiv/internal/authn"
	"github.com/earkiv/earkiv/internal/authz"
	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/session"
)

// Tokens makes personal API tokens; *session.Store is one.
type Tokens interface {
	CreateToken(ctx context.Context, n session.NewToken) (string, *session.Token, error)
	RevokeToken(ctx context.Context, tenant, person, id string) error
}

// AccessLog is the access log the API writes and, for the municipality's
// arkivansvarig and administratör, reads; *accesslog.Log is one.
type AccessLog interface {
	Append(ctx context.Context, e accesslog.Entry) (uint64, error)
	Verify(ctx context.Context, tenant string) (accesslog.Result, error)
	Export(ctx context.Context, tenant string, from, to time.Time) iter.Seq2[accesslog.Entry, error]
}

// loginTokenTTL is how long a token from earkiv login lasts.
const loginTokenTTL = 30 * 24 * time.Hour

// personRoutes adds the routes a person's script uses. They exist only
// where people, tokens and the access log are wired (earkiv serve).
func (s *server) personRoutes(m *authz.Mux) {
	if s.cfg.People == nil || s.cfg.Tokens == nil || s.cfg.AccessLog == nil {
		return
	}
	m.HandleFunc("POST", "/api/v1/login", authz.Anyone, authz.API, s.login)
	m.HandleFunc("GET", "/api/v1/whoami", authz.Person, authz.API, s.whoami)
	m.HandleFunc("GET", "/api/v1/accesslog/verify", authz.ReadAccessLog, authz.API, s.verifyLog)
	m.HandleFunc("GET", "/api/v1/accesslog/export", authz.ReadAccessLog, authz.API, s.exportLog)
}

// login exchanges a person's local password for a personal token. Every
// attempt goes through the guard, and is logged in the tenant's access
// log; an unknown tenant costs a password check too and is logged only
// in the service log, since it has no access log.
func (s *server) login(w http.ResponseWriter, r *http.Request) {
	var req LoginRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeErr(w, http.StatusBadRequest, "want a JSON object with tenant, user and password")
		return
	}
	if req.Tenant == "" || req.User == "" || req.Password == "" {
		writeErr(w, http.StatusBadRequest, "tenant, user and password are all needed")
		return
	}
	client := authn.ClientAddr(r)
	t, terr := s.cfg.Tenants().Get(req.Tenant)
	var p *people.Person
	var storeErr error
	err := s.cfg.Guard.Check("person", req.Tenant+"/"+req.User, r.RemoteAddr, func() bool {
		if terr != nil {
			authguard.Compare("", req.Password, 0) // as long as a real check
			return false
		}
		st, err := people.Open(r.Context(), s.cfg.People, t)
		if err != nil {
			storeErr = err
			return false
		}
		p, err = st.CheckPassword(r.Context(), req.User, req.Password)
		if err != nil && !errors.Is(err, people.ErrBadLogin) {
			storeErr = err
		}
		return err == nil
	})
	if storeErr != nil {
		s.cfg.Log.Error("api: login", "tenant", req.Tenant, "err", storeErr)
		writeErr(w, http.StatusServiceUnavailable, "login unavailable")
		return
	}
	if err != nil {
		if terr == nil {
			s.logEntry(r.Context(), accesslog.Entry{Tenant: t.ID, Person: accesslog.TypedPerson(req.User), Action: accesslog.LoginFailed, Detail: "api", Client: client})
		} else {
			s.cfg.Log.Warn("api: login to an unknown tenant", "client", client)
		}
		if errors.Is(err, authguard.ErrDenied) {
			writeErr(w, http.StatusUnauthorized, "wrong tenant, user or password")
			return
		}
		w.Header().Set("Retry-After", "60")
		writeErr(w, http.StatusTooManyRequests, "too many failed logins; try again later")
		return
	}
	name := req.TokenName
	if name == "" {
		name = "earkiv login"
	}
	secret, tok, err := s.cfg.Tokens.CreateToken(r.Context(), session.NewToken{Tenant: t.ID, Person: p.ID, Name: name, Roles: p.Roles, TTL: loginTokenTTL})
	if errors.Is(err, session.ErrInvalid) {
		writeErr(w, http.StatusUnprocessableEntity, err.Error()) // e.g. too many live tokens: revoke some in the web pages
		return
	}
	if err != nil {
		s.cfg.Log.Error("api: token", "tenant", t.ID, "err", err)
		writeErr(w, http.StatusServiceUnavailable, "login unavailable")
		return
	}
	// A person disabled, or given other roles, since the password check
	// must not keep a token made meanwhile; nor may a login not logged.
	st, err := people.Open(r.Context(), s.cfg.People, t)
	if err == nil {
		err = st.Unchanged(r.Context(), p)
	}
	if err == nil {
		_, err = s.cfg.AccessLog.Append(r.Context(), accesslog.Entry{Tenant: t.ID, Person: p.ID, Action: accesslog.Login,
			Objects: []string{"token:" + tok.ID}, Detail: "api", Client: client})
	}
	if err != nil {
		s.cfg.Log.Error("api: login", "tenant", t.ID, "err", err)
		if rerr := s.cfg.Tokens.RevokeToken(r.Context(), t.ID, p.ID, tok.ID); rerr != nil {
			s.cfg.Log.Error("api: revoke the token of a login that failed", "tenant", t.ID, "err", rerr)
		}
		writeErr(w, http.StatusServiceUnavailable, "the login could not be completed or logged; try again")
		return
	}
	writeJSON(w, LoginResponse{Token: secret, Expires: tok.Expires, Me: Me{Tenant: t.ID, Person: p.ID, Name: p.Name, Roles: p.Roles}})
}

func (s *server) whoami(w http.ResponseWriter, r *http.Request) {
	p, _ := authn.FromContext(r.Context())
	name := p.Name
	if name == "" { // a token names itself, not its person
		if t, err := s.cfg.Tenants().Get(p.Tenant); err == nil {
			if st, err := people.Open(r.Context(), s.cfg.People, t); err == nil {
				if pp, err := st.Get(r.Context(), p.ID); err == nil {
					name = pp.Name
				}
			}
		}
	}
	writeJSON(w, Me{Tenant: p.Tenant, Person: p.ID, Name: name, Roles: p.Roles})
}

// logEntry appends e, logging a failure in the service log: for a failed
// login there is nothing else to withhold.
func (s *server) logEntry(ctx context.Context, e accesslog.Entry) {
	if _, err := s.cfg.AccessLog.Append(ctx, e); err != nil {
		s.cfg.Log.Error("api: access log", "tenant", e.Tenant, "action", e.Action, "err", err)
	}
}

// logRead appends the entry of a read by the principal before anything is
// read; when it cannot be written the read is refused, so nothing is read
// unlogged.
func (s *server) logRead(w http.ResponseWriter, r *http.Request, perm authz.Permission, e accesslog.Entry) (*authn.Principal, bool) {
	p, _ := authn.FromContext(r.Context())
	e.Tenant, e.Person, e.Role, e.Client = p.Tenant, p.ID, string(authz.RoleFor(p, perm)), authn.ClientAddr(r)
	if _, err := s.cfg.AccessLog.Append(r.Context(), e); err != nil {
		s.cfg.Log.Error("api: access log", "tenant", p.Tenant, "err", err)
		writeErr(w, http.StatusServiceUnavailable, "the access log could not be written; try again")
		return nil, false
	}
	return p, true
}

func (s *server) verifyLog(w http.ResponseWriter, r *http.Request) {
	p, ok := s.logRead(w, r, authz.ReadAccessLog, accesslog.Entry{Action: accesslog.VerifyLog, Objects: []string{"accesslog"}})
	if !ok {
		return
	}
	res, err := s.cfg.AccessLog.Verify(r.Context(), p.Tenant)
	if err != nil {
		s.cfg.Log.Error("api: verify access log", "tenant", p.Tenant, "err", err)
		writeErr(w, http.StatusServiceUnavailable, "the access log could not be read")
		return
	}
	writeJSON(w, VerifyResponse{Intact: res.Intact(), Result: res})
}

// exportLog streams the caller's municipality's log. An export cut short
// by an unreadable entry says so in the X-Earkiv-Error trailer.
func (s *server) exportLog(w http.ResponseWriter, r *http.Request) {
	days := accesslog.Days{From: r.URL.Query().Get("from"), To: r.URL.Query().Get("to")}
	from, to, err := days.Times()
	if err != nil {
		writeErr(w, http.StatusBadRequest, err.Error())
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "csv" {
		writeErr(w, http.StatusBadRequest, "format: json or csv")
		return
	}
	p, ok := s.logRead(w, r, authz.ReadAccessLog, accesslog.Entry{Action: accesslog.Export, Objects: []string{"accesslog"}, Detail: days.String()})
	if !ok {
		return
	}
	w.Header().Set("Trailer", "X-Earkiv-Error")
	var write func(accesslog.Entry) error
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		cw := csv.NewWriter(w)
		_ = cw.Write(accesslog.CSVHeader)
		write = func(e accesslog.Entry) error {
			err := cw.Write(e.CSVRecord())
			cw.Flush()
			return errors.Join(err, cw.Error())
		}
	} else {
		w.Header().Set("Content-Type", "application/x-ndjson")
		enc := json.NewEncoder(w)
		write = func(e accesslog.Entry) error { return enc.Encode(e) }
	}
	for e, err := range s.cfg.AccessLog.Export(r.Context(), p.Tenant, from, to) {
		if err == nil {
			err = write(e)
		}
		if err != nil {
			s.cfg.Log.Error("api: export access log", "tenant", p.Tenant, "err", err)
			w.Header().Set("X-Earkiv-Error", err.Error())
			return
		}
	}
}

package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/authguard"
	"github.com/earkiv/earkiv/internal/authn"
	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/session"
	"github.com/earkiv/earkiv/internal/tenant"
)

type loginData struct {
	Tenants []*tenant.Tenant
	OIDC    []*tenant.Tenant
	Tenant  string // the one chosen
	User    string
	Back    string
	Error   string
}

func (h *Handler) loginData(tenantID, user, back, problem string) loginData {
	d := loginData{Tenant: tenantID, User: user, Error: problem}
	if localPath(back) {
		d.Back = back
	}
	for _, t := range h.cfg.Tenants().Tenants {
		d.Tenants = append(d.Tenants, t)
		if h.cfg.OIDC != nil && h.cfg.OIDC.Enabled(t) {
			d.OIDC = append(d.OIDC, t)
		}
	}
	sortByName(d.Tenants)
	sortByName(d.OIDC)
	return d
}

// sortByName sorts tenants by name as Swedish sorts them (å, ä, ö last).
func sortByName(ts []*tenant.Tenant) {
	c := collate.New(language.Swedish, collate.IgnoreCase)
	slices.SortStableFunc(ts, func(a, b *tenant.Tenant) int { return c.CompareString(a.Name, b.Name) })
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if principal(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, "login", "Logga in", h.loginData("", "", r.URL.Query().Get("till"), ""))
}

// Messages of a refused login. One message for every wrong id or
// password, so the page does not tell which ids exist.
const (
	badLogin     = "Fel användar-id eller lösenord, eller så är kontot inaktiverat. Försök igen."
	tooManyLogin = "För många misslyckade inloggningar. Kontot eller datorn är spärrad en stund; vänta och försök igen senare."
	notLogged    = "Granskningsloggen kunde inte skrivas; försök igen."
)

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	tenantID := r.PostFormValue("kommun")
	user := strings.TrimSpace(r.PostFormValue("anvandare"))
	password := r.PostFormValue("losenord")
	back := r.PostFormValue("till")
	refuse := func(code int, msg string) {
		h.render(w, r, code, "login", "Logga in", h.loginData(tenantID, user, back, msg))
	}
	t, err := h.cfg.Tenants().Get(tenantID)
	if err != nil {
		h.log.Warn("web: login to an unknown tenant", "tenant", tenantID, "addr", authn.ClientAddr(r))
		refuse(http.StatusUnauthorized, "Välj din kommun i listan.")
		return
	}
	st, err := people.Open(ctx, h.cfg.People, t)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	var person *people.Person
	var storeErr error
	err = h.cfg.Guard.Check("person", t.ID+"/"+user, authn.ClientAddr(r), func() bool {
		person, storeErr = st.CheckPassword(ctx, user, password)
		if storeErr != nil && errors.Is(storeErr, people.ErrBadLogin) {
			storeErr = nil
			return false
		}
		return storeErr == nil
	})
	if storeErr != nil {
		h.failed(w, r, storeErr)
		return
	}
	if err != nil {
		if _, lerr := h.cfg.AccessLog.Append(ctx, accesslog.Entry{Tenant: t.ID, Person: accesslog.TypedPerson(user), Action: accesslog.LoginFailed,
			Client: authn.ClientAddr(r), Detail: loginRefusal(err)}); lerr != nil {
			h.log.Error("web: access log", "tenant", t.ID, "action", accesslog.LoginFailed, "err", lerr)
		}
		if errors.Is(err, authguard.ErrLocked) || errors.Is(err, authguard.ErrThrottled) {
			refuse(http.StatusTooManyRequests, tooManyLogin)
			return
		}
		refuse(http.StatusUnauthorized, badLogin)
		return
	}
	h.startSession(w, r, t, person, session.MethodPassword, back)
}

func loginRefusal(err error) string {
	switch {
	case errors.Is(err, authguard.ErrLocked):
		return "kontot spärrat"
	case errors.Is(err, authguard.ErrThrottled):
		return "adressen spärrad"
	}
	return "fel id eller lösenord"
}

// startSession opens a session for person, logs the login and sends the
// browser on to back (a local path) or the start page. A login that cannot
// be logged is undone.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, t *tenant.Tenant, person *people.Person, method, back string) {
	ctx := r.Context()
	secret, _, err := h.cfg.Sessions.Create(ctx, session.NewSession{Tenant: t.ID, Person: person.ID, Name: person.Name,
		Roles: person.Roles, Method: method, Client: r.UserAgent()})
	if err != nil {
		h.failed(w, r, err)
		return
	}
	// The person may have been disabled, or lost a role, between the
	// check of the password and the session.
	if st, err := people.Open(ctx, h.cfg.People, t); err != nil {
		h.endQuietly(ctx, secret)
		h.failed(w, r, err)
		return
	} else if err := st.Unchanged(ctx, person); err != nil {
		h.endQuietly(ctx, secret)
		h.render(w, r, http.StatusForbidden, "login", "Logga in", h.loginData(t.ID, "", back, "Ditt konto ändrades just. Logga in igen."))
		return
	}
	if _, err := h.cfg.AccessLog.Append(ctx, accesslog.Entry{Tenant: t.ID, Person: person.ID, Action: accesslog.Login,
		Client: authn.ClientAddr(r), Detail: method}); err != nil {
		h.log.Error("web: access log", "tenant", t.ID, "action", accesslog.Login, "err", err)
		h.endQuietly(ctx, secret)
		h.render(w, r, http.StatusServiceUnavailable, "login", "Logga in", h.loginData(t.ID, person.ID, back, notLogged))
		return
	}
	session.SetCookie(w, secret, h.cfg.Secure, 0)
	if !localPath(back) {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (h *Handler) endQuietly(ctx context.Context, secret string) {
	if err := h.cfg.Sessions.End(ctx, secret); err != nil {
		h.log.Error("web: end a session that could not be logged", "err", err)
	}
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if c, err := r.Cookie(session.CookieName); err == nil && c.Value != "" {
		if err := h.cfg.Sessions.End(r.Context(), c.Value); err != nil {
			h.failed(w, r, err)
			return
		}
	}
	if _, err := h.cfg.AccessLog.Append(r.Context(), accesslog.Entry{Tenant: p.Tenant, Person: p.ID, Action: accesslog.Logout,
		Client: authn.ClientAddr(r)}); err != nil {
		h.log.Error("web: access log", "tenant", p.Tenant, "action", accesslog.Logout, "err", err)
	}
	session.ClearCookie(w, h.cfg.Secure)
	http.Redirect(w, r, "/inloggning", http.StatusSeeOther)
}

package web

import (
	"errors"
	"net/http"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/authn"
	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/oidclogin"
	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/peopleadmin"
	"github.com/earkiv/earkiv/internal/session"
)

// oidcStart sends the browser to the tenant's identity provider. The tenant
// here is only the one the person says they belong to; the provider's answer
// decides who they are.
func (h *Handler) oidcStart(w http.ResponseWriter, r *http.Request) {
	t, err := h.cfg.Tenants().Get(r.PathValue("tenant"))
	if err != nil || h.cfg.OIDC == nil || !h.cfg.OIDC.Enabled(t) {
		h.notFound(w, r, "Inloggningen")
		return
	}
	back := r.URL.Query().Get("till")
	if !localPath(back) {
		back = "/"
	}
	if err := h.cfg.OIDC.Start(w, r, t.ID, back); err != nil {
		h.failed(w, r, err)
	}
}

// oidcFinish takes the provider's answer, makes or updates the person as
// the provider describes them and opens a session.
func (h *Handler) oidcFinish(w http.ResponseWriter, r *http.Request) {
	if h.cfg.OIDC == nil {
		h.notFound(w, r, "Inloggningen")
		return
	}
	id, back, err := h.cfg.OIDC.Finish(w, r)
	if err != nil {
		h.log.Warn("web: oidc login refused", "addr", authn.ClientAddr(r), "err", err)
		var te *oidclogin.TenantError
		if errors.As(err, &te) {
			if _, lerr := h.cfg.AccessLog.Append(r.Context(), accesslog.Entry{Tenant: te.Tenant, Person: "(okänd)", Action: accesslog.LoginFailed,
				Client: authn.ClientAddr(r), Detail: "oidc"}); lerr != nil {
				h.log.Error("web: access log", "tenant", te.Tenant, "action", accesslog.LoginFailed, "err", lerr)
			}
		}
		h.render(w, r, http.StatusUnauthorized, "login", "Logga in", h.loginData("", "", "", "Inloggningen via kommunens inloggningstjänst misslyckades. Försök igen."))
		return
	}
	t, err := h.cfg.Tenants().Get(id.Tenant)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	st, err := people.Open(r.Context(), h.cfg.People, t)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	// The provider's changes go the one logged way of changes to people.
	adm, err := peopleadmin.New(st, h.cfg.AccessLog, h.cfg.Sessions, peopleadmin.Actor{Tenant: t.ID, Person: "system:oidc", Client: authn.ClientAddr(r)})
	if err != nil {
		h.failed(w, r, err)
		return
	}
	person, err := adm.Ensure(r.Context(), id.Person, id.Name, id.Roles, people.Link{Issuer: id.Issuer, Subject: id.Subject})
	if err != nil && !refusedPerson(err) {
		h.failed(w, r, err)
		return
	}
	if err != nil {
		if _, lerr := h.cfg.AccessLog.Append(r.Context(), accesslog.Entry{Tenant: t.ID, Person: id.Person, Action: accesslog.LoginFailed,
			Client: authn.ClientAddr(r), Detail: "oidc"}); lerr != nil {
			h.log.Error("web: access log", "tenant", t.ID, "action", accesslog.LoginFailed, "err", lerr)
		}
		h.log.Warn("web: oidc person refused", "tenant", t.ID, "person", id.Person, "err", err)
		h.render(w, r, http.StatusForbidden, "login", "Logga in", h.loginData(t.ID, "", "", "Du kan inte logga in i earkiv: kontot är inaktiverat eller saknar roller här. Kontakta kommunens administratör."))
		return
	}
	h.startSession(w, r, t, person, session.MethodOIDC, back)
}

// refusedPerson tells whether err refuses the person the provider vouched
// for (disabled, linked to another account, no role allowed here, an id or
// name that cannot be kept), rather than the store failing.
func refusedPerson(err error) bool {
	for _, e := range []error{people.ErrBadLogin, people.ErrRole, people.ErrInvalid, ids.ErrInvalid} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

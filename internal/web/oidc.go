package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/oidclogin"
	"github.com/earkiv/earkiv/internal/people"
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
		h.log.Warn("web: oidc login refused", "addr", clientAddr(r), "err", err)
		var te *oidclogin.TenantError
		if errors.As(err, &te) {
			if _, lerr := h.cfg.AccessLog.Append(r.Context(), accesslog.Entry{Tenant: te.Tenant, Person: "(okänd)", Action: accesslog.LoginFailed,
				Client: clientAddr(r), Detail: "oidc"}); lerr != nil {
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
	person, ch, err := st.Ensure(r.Context(), id.Person, id.Name, id.Roles, people.Link{Issuer: id.Issuer, Subject: id.Subject})
	if err == nil && ch.Changed {
		// The provider changed the person: logged as every change to
		// people is, and a role taken away ends every session and token
		// that still holds it.
		what := "roller från inloggningstjänsten: "
		if ch.Created {
			what = "lagt till från inloggningstjänsten; roller: "
		}
		names := make([]string, len(person.Roles))
		for i, r := range person.Roles {
			names[i] = string(r)
		}
		if _, err = h.cfg.AccessLog.Append(r.Context(), accesslog.Entry{Tenant: t.ID, Person: "system:oidc", Action: accesslog.ChangePerson,
			Objects: []string{"person:" + person.ID}, Detail: what + strings.Join(names, ", "), Client: clientAddr(r)}); err != nil {
			h.failed(w, r, err)
			return
		}
		if len(ch.Lost) > 0 {
			if err := h.cfg.Sessions.EndPerson(r.Context(), t.ID, person.ID); err != nil {
				h.failed(w, r, err)
				return
			}
		}
	}
	if err != nil {
		if _, lerr := h.cfg.AccessLog.Append(r.Context(), accesslog.Entry{Tenant: t.ID, Person: id.Person, Action: accesslog.LoginFailed,
			Client: clientAddr(r), Detail: "oidc"}); lerr != nil {
			h.log.Error("web: access log", "tenant", t.ID, "action", accesslog.LoginFailed, "err", lerr)
		}
		h.log.Warn("web: oidc person refused", "tenant", t.ID, "person", id.Person, "err", err)
		h.render(w, r, http.StatusForbidden, "login", "Logga in", h.loginData(t.ID, "", "", "Du kan inte logga in i earkiv: kontot är inaktiverat eller saknar roller här. Kontakta kommunens administratör."))
		return
	}
	h.startSession(w, r, t, person, session.MethodOIDC, back)
}

package web

import (
	"net/http"

	"github.com/earkiv/earkiv/internal/accesslog"
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
	person, err := st.Ensure(r.Context(), id.Person, id.Name, id.Roles)
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

package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/authn"
	"github.com/earkiv/earkiv/internal/session"
)

type tokensData struct {
	Tokens  []*session.Token
	Secret  string // a new token's, shown once
	NewName string
	Days    int
	MaxDays int
	Error   string
	Done    string
}

// maxDays is the longest token the form offers, from the session policy.
func (h *Handler) maxDays() int {
	return int(h.cfg.Sessions.Policy().TokenMax / (24 * time.Hour))
}

func (h *Handler) tokens(w http.ResponseWriter, r *http.Request) {
	d := tokensData{Days: 90}
	if r.URL.Query().Get("klart") == "aterkallad" {
		d.Done = "Nyckeln är återkallad och fungerar inte längre."
	}
	h.showTokens(w, r, http.StatusOK, d)
}

func (h *Handler) showTokens(w http.ResponseWriter, r *http.Request, code int, d tokensData) {
	p := principal(r)
	var err error
	if d.Tokens, err = h.cfg.Sessions.Tokens(r.Context(), p.Tenant, p.ID); err != nil {
		h.failed(w, r, err)
		return
	}
	d.MaxDays = h.maxDays()
	h.render(w, r, code, "tokens", "Mina API-nycklar", d)
}

// sessionOnly refuses a change to tokens made with a token: a script must
// not mint itself new ones.
func (h *Handler) sessionOnly(w http.ResponseWriter, r *http.Request) bool {
	if principal(r).Method != authn.Session {
		h.message(w, r, http.StatusForbidden, "Logga in i webbläsaren", "API-nycklar skapas och återkallas bara av den som är inloggad i webbläsaren.")
		return false
	}
	return true
}

func (h *Handler) createToken(w http.ResponseWriter, r *http.Request) {
	if !h.sessionOnly(w, r) {
		return
	}
	p := principal(r)
	name := strings.TrimSpace(r.PostFormValue("namn"))
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("dagar")))
	d := tokensData{NewName: name, Days: days}
	switch {
	case name == "":
		d.Error = "Ge nyckeln ett namn, så att du vet vad du ska återkalla senare."
	case err != nil || days < 1 || days > h.maxDays():
		d.Error = "Ange hur många dagar nyckeln ska gälla: ett heltal från 1 till " + Number(int64(h.maxDays())) + "."
	}
	if d.Error != "" {
		h.showTokens(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	secret, tok, err := h.cfg.Sessions.CreateToken(r.Context(), session.NewToken{Tenant: p.Tenant, Person: p.ID, Name: name,
		Roles: p.Roles, TTL: time.Duration(days) * 24 * time.Hour})
	if errors.Is(err, session.ErrInvalid) {
		d.Error = "Nyckeln kunde inte skapas: namnet är för långt eller innehåller tecken som inte kan sparas."
		h.showTokens(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	if err != nil {
		h.failed(w, r, err)
		return
	}
	// A new credential of the person is a change to them; one that
	// cannot be logged is not given out.
	if !h.logTokenChange(w, r, tok.ID, "API-nyckel skapad, "+strconv.Itoa(days)+" dagar") {
		if rerr := h.cfg.Sessions.RevokeToken(r.Context(), p.Tenant, p.ID, tok.ID); rerr != nil {
			h.log.Error("web: revoke a token that could not be logged", "tenant", p.Tenant, "err", rerr)
		}
		return
	}
	h.showTokens(w, r, http.StatusOK, tokensData{Secret: secret, Days: 90})
}

func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request) {
	if !h.sessionOnly(w, r) {
		return
	}
	p := principal(r)
	err := h.cfg.Sessions.RevokeToken(r.Context(), p.Tenant, p.ID, r.PathValue("id"))
	if errors.Is(err, session.ErrNotFound) {
		h.notFound(w, r, "Nyckeln")
		return
	}
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if !h.logTokenChange(w, r, r.PathValue("id"), "API-nyckel återkallad") {
		return
	}
	http.Redirect(w, r, "/nycklar?klart=aterkallad", http.StatusSeeOther)
}

// logTokenChange logs a change to the person's own tokens; it answers and
// returns false when the log cannot be written.
func (h *Handler) logTokenChange(w http.ResponseWriter, r *http.Request, tokenID, detail string) bool {
	p := principal(r)
	if _, err := h.cfg.AccessLog.Append(r.Context(), accesslog.Entry{Tenant: p.Tenant, Person: p.ID, Action: accesslog.ChangePerson,
		Objects: []string{"person:" + p.ID, "token:" + tokenID}, Detail: detail, Client: authn.ClientAddr(r)}); err != nil {
		h.log.Error("web: access log", "tenant", p.Tenant, "action", accesslog.ChangePerson, "err", err)
		h.message(w, r, http.StatusServiceUnavailable, "Granskningsloggen kunde inte skrivas", "Ändringen kunde inte loggas; försök igen.")
		return false
	}
	return true
}

package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/earkiv/earkiv/internal/accesslog"

	"github.com/google/uuid"

	"github.com/earkiv/earkiv/internal/authz"
	"github.com/earkiv/earkiv/internal/holds"
)

// holdForm is the place form as the person filled it in.
type holdForm struct {
	Kind      string // "aip", "arende" or "sokning"
	Target    string
	Reason    string
	Reference string
}

type holdsData struct {
	Active, Lifted []*holds.Hold
	MayDecide      bool
	Done           string
	Error          string
	ErrorFor       string // "" for the place form, else the id of the hold whose lift failed
	Form           holdForm
}

func (h *Handler) holdsPage(w http.ResponseWriter, r *http.Request) {
	h.showHolds(w, r, http.StatusOK, holdsData{Done: holdDone(r.URL.Query().Get("klart")), Form: holdForm{Kind: "aip"}})
}

func holdDone(s string) string {
	switch s {
	case "lagt":
		return "Gallringsstoppet är lagt. Inget av det som omfattas gallras förrän stoppet hävs."
	case "havt":
		return "Gallringsstoppet är hävt."
	case "lagt-delvis":
		return "Gallringsstoppet är lagt och inget av det som omfattas gallras. Lagringens skydd (Legal Hold) kunde inte sättas på alla objekt; meddela driften."
	case "havt-delvis":
		return "Gallringsstoppet är hävt. Lagringens skydd (Legal Hold) kunde inte tas bort från alla objekt; meddela driften."
	}
	return ""
}

func (h *Handler) showHolds(w http.ResponseWriter, r *http.Request, code int, d holdsData) {
	p := principal(r)
	hs, err := h.cfg.Catalog.Holds(r.Context(), p.Tenant)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	for _, x := range hs {
		if x.Active() {
			d.Active = append(d.Active, x)
		} else {
			d.Lifted = append(d.Lifted, x)
		}
	}
	d.MayDecide = authz.Allowed(p, authz.Decide)
	h.render(w, r, code, "retentionholds", "Gallringsstopp", d)
}

// holdScope reads what the form says the hold covers; a problem in
// Swedish when it names nothing a hold can cover.
func holdScope(f holdForm) (holds.Scope, string) {
	var s holds.Scope
	switch f.Kind {
	case "aip":
		if uuid.Validate(f.Target) != nil {
			return s, "Ange arkivpaketets AIP-id, t.ex. 0190c3a2-7d1e-7c4a-9f3e-2b8d5a6c1e0f."
		}
		s.AIP = f.Target
	case "arende":
		if f.Target == "" {
			return s, "Ange ärendets diarienummer."
		}
		s.Case = f.Target
	case "sokning":
		q, err := holds.ParseQuery(f.Target)
		if err != nil {
			return s, strings.ToUpper(err.Error()[:1]) + err.Error()[1:] + "."
		}
		s.Query = q
	default:
		return s, "Välj vad gallringsstoppet ska omfatta."
	}
	if err := s.Check(); err != nil {
		return s, err.Error()
	}
	return s, ""
}

func (h *Handler) placeHold(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	f := holdForm{Kind: r.PostFormValue("omfang"), Target: strings.TrimSpace(r.PostFormValue("mal")),
		Reason: strings.TrimSpace(r.PostFormValue("skal")), Reference: strings.TrimSpace(r.PostFormValue("referens"))}
	scope, problem := holdScope(f)
	if problem == "" {
		problem = reasonProblem(f.Reason, "varför gallringen stoppas")
	}
	if problem == "" && len([]rune(f.Reference)) > 200 {
		problem = "Referensen får vara högst 200 tecken."
	}
	if problem != "" {
		h.showHolds(w, r, http.StatusUnprocessableEntity, holdsData{Error: problem, Form: f})
		return
	}
	t, err := h.tenantOf(p)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	hd, err := h.cfg.Retention.PlaceHold(r.Context(), t, p.ID, scope, f.Reason, f.Reference)
	if hd != nil {
		h.logChange(r, authz.Decide, accesslog.ChangeHold, "hold:"+hd.ID, "lagt")
		h.awaitCatalog(r.Context(), h.holdShown(t.ID, hd.ID, true))
	}
	if hd != nil && err != nil {
		// The hold stops gallring; Legal Hold on the objects is not all set.
		h.log.Error("web: after placing a hold", "tenant", t.ID, "hold", hd.ID, "err", err)
		http.Redirect(w, r, "/gallringsstopp?klart=lagt-delvis", http.StatusSeeOther)
		return
	}
	if err != nil {
		if msg, ok := retentionError(err); ok {
			h.showHolds(w, r, http.StatusUnprocessableEntity, holdsData{Error: msg, Form: f})
			return
		}
		h.failed(w, r, err)
		return
	}
	http.Redirect(w, r, "/gallringsstopp?klart=lagt", http.StatusSeeOther)
}

func (h *Handler) liftHold(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	id := r.PathValue("id")
	reason := strings.TrimSpace(r.PostFormValue("skal"))
	if problem := reasonProblem(reason, "varför gallringsstoppet hävs"); problem != "" {
		h.showHolds(w, r, http.StatusUnprocessableEntity, holdsData{Error: problem, ErrorFor: id, Form: holdForm{Kind: "aip"}})
		return
	}
	t, err := h.tenantOf(p)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	hd, err := h.cfg.Retention.LiftHold(r.Context(), t, id, p.ID, reason)
	if hd != nil {
		h.logChange(r, authz.Decide, accesslog.ChangeHold, "hold:"+hd.ID, "hävt")
		h.awaitCatalog(r.Context(), h.holdShown(t.ID, hd.ID, false))
	}
	if hd != nil && err != nil {
		h.log.Error("web: after lifting a hold", "tenant", t.ID, "hold", hd.ID, "err", err)
		http.Redirect(w, r, "/gallringsstopp?klart=havt-delvis", http.StatusSeeOther)
		return
	}
	if err != nil {
		if msg, ok := retentionError(err); ok {
			code := http.StatusUnprocessableEntity
			if errors.Is(err, holds.ErrNotFound) {
				code = http.StatusNotFound
			}
			h.showHolds(w, r, code, holdsData{Error: msg, ErrorFor: id, Form: holdForm{Kind: "aip"}})
			return
		}
		h.failed(w, r, err)
		return
	}
	http.Redirect(w, r, "/gallringsstopp?klart=havt", http.StatusSeeOther)
}

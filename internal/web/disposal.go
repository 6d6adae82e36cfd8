package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/authz"
	"github.com/earkiv/earkiv/internal/disposal"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/plans"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Disposal is what the gallring pages read and change: the lists, their
// frozen items, each step of their life and the protocol.
// *disposal.Service is one.
type Disposal interface {
	Propose(ctx context.Context, t *tenant.Tenant, by string, f disposal.Filter) (*disposal.List, error)
	Lists(ctx context.Context, t *tenant.Tenant) ([]*disposal.List, error)
	Get(ctx context.Context, t *tenant.Tenant, id string) (*disposal.List, error)
	Frozen(ctx context.Context, t *tenant.Tenant, l *disposal.List) (*disposal.Frozen, error)
	Exclude(ctx context.Context, t *tenant.Tenant, id, aipID, by, reason, postpone string) (*disposal.List, error)
	Attest(ctx context.Context, t *tenant.Tenant, id, by string) (*disposal.List, error)
	Reject(ctx context.Context, t *tenant.Tenant, id, by, reason string) (*disposal.List, error)
	Cancel(ctx context.Context, t *tenant.Tenant, id, by, reason string) (*disposal.List, error)
	Start(ctx context.Context, t *tenant.Tenant, id, by string) (*disposal.List, error)
	ProtocolFile(ctx context.Context, t *tenant.Tenant, l *disposal.List, pdf bool) ([]byte, error)
	Verify(ctx context.Context, t *tenant.Tenant, id string) (*disposal.Verified, error)
}

var _ Disposal = (*disposal.Service)(nil)

// disposalNav is the menu item of the gallring lists, for those who may
// read them (authz.ReadRestricted).
var disposalNav = navItem{Href: "/gallring/listor", Label: "Gallring"}

// disposalRoutes registers the pages of the gallring lists. Reading needs
// ReadRestricted (the items name every case, restricted ones too);
// proposing and excluding Prepare (arkivarie); attesting, rejecting and
// executing Decide (arkivansvarig); cancelling Withdraw (either). The
// service refuses the proposer's own attest whatever roles they hold.
func (h *Handler) disposalRoutes() {
	m := h.mux
	m.HandleFunc("GET", "/gallring/listor", authz.ReadRestricted, authz.Page, h.listsPage)
	m.HandleFunc("POST", "/gallring/listor", authz.Prepare, authz.Page, h.proposeList)
	m.HandleFunc("GET", "/gallring/listor/{id}", authz.ReadRestricted, authz.Page, h.listPage)
	m.HandleFunc("GET", "/gallring/listor/{id}/forlopp", authz.ReadRestricted, authz.Page, h.listProgress)
	m.HandleFunc("POST", "/gallring/listor/{id}/undanta", authz.Prepare, authz.Page, h.excludeAIP)
	m.HandleFunc("POST", "/gallring/listor/{id}/attestera", authz.Decide, authz.Page, h.attestList)
	m.HandleFunc("POST", "/gallring/listor/{id}/aterforvisa", authz.Decide, authz.Page, h.rejectList)
	m.HandleFunc("POST", "/gallring/listor/{id}/verkstall", authz.Decide, authz.Page, h.executeList)
	m.HandleFunc("POST", "/gallring/listor/{id}/avbryt", authz.Withdraw, authz.Page, h.cancelList)
	m.HandleFunc("GET", "/gallring/listor/{id}/protokoll.pdf", authz.ReadRestricted, authz.Page, h.protocolPDF)
	m.HandleFunc("GET", "/gallring/listor/{id}/kontroll", authz.ReadRestricted, authz.Page, h.verifyList)
}

// disposalError says in Swedish why the service refused a step, with the
// status to answer; ok is false for the service's own failures, which are
// logged instead.
func disposalError(err error) (msg string, code int, ok bool) {
	switch {
	case errors.Is(err, disposal.ErrNotFound):
		return "Gallringslistan finns inte.", http.StatusNotFound, true
	case errors.Is(err, disposal.ErrOwnList):
		return "Du har föreslagit listan och kan inte attestera eller återförvisa den. En annan arkivansvarig gör det.", http.StatusConflict, true
	case errors.Is(err, disposal.ErrCooling):
		return "Ångerfristen har inte gått ut; listan kan inte verkställas än.", http.StatusConflict, true
	case errors.Is(err, disposal.ErrConflict):
		return "Listan ändrades av någon annan under tiden. Ladda om sidan och försök igen.", http.StatusConflict, true
	case errors.Is(err, disposal.ErrState):
		return asSentence(err.Error()), http.StatusConflict, true
	case errors.Is(err, disposal.ErrEmpty):
		return "Inga förfallna handlingar matchar urvalet. Ändra urvalet, eller se Förfallna gallringar.", http.StatusUnprocessableEntity, true
	case earkiv.IsInvalid(err):
		return asSentence(err.Error()), http.StatusUnprocessableEntity, true
	}
	return "", 0, false
}

// asSentence writes a service's message as a sentence: a capital first and
// a full stop last.
func asSentence(s string) string {
	s = capital(strings.TrimSpace(s))
	if s != "" && !strings.ContainsAny(s[len(s)-1:], ".!?") {
		s += "."
	}
	return s
}

// waitText says how long until a moment, as a countdown reads: "om 6
// dagar 23 timmar", "om 2 timmar 5 minuter", "om 1 minut". It rounds
// down: a countdown never says more is left than is.
func waitText(d time.Duration) string {
	if d < time.Minute {
		return "om mindre än en minut"
	}
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0 && hours > 0:
		return "om " + Count(days, "dag", "dagar") + " " + Count(hours, "timme", "timmar")
	case days > 0:
		return "om " + Count(days, "dag", "dagar")
	case hours > 0 && mins > 0:
		return "om " + Count(hours, "timme", "timmar") + " " + Count(mins, "minut", "minuter")
	case hours > 0:
		return "om " + Count(hours, "timme", "timmar")
	}
	return "om " + Count(mins, "minut", "minuter")
}

// proposeForm is the propose form as the person filled it in.
type proposeForm struct {
	Class, Rule, Before string
}

type listsData struct {
	Lists      []*disposal.List
	MayPrepare bool
	Form       proposeForm
	Error      string
	Done       string
}

func (h *Handler) listsPage(w http.ResponseWriter, r *http.Request) {
	d := listsData{Form: proposeForm{Before: plans.Day(h.now())}}
	if r.URL.Query().Get("klart") == "avbruten" {
		d.Done = "Listan är avbruten. Inget på den gallras."
	}
	h.showLists(w, r, http.StatusOK, d)
}

func (h *Handler) showLists(w http.ResponseWriter, r *http.Request, code int, d listsData) {
	p := principal(r)
	t, err := h.tenantOf(p)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if d.Lists, err = h.cfg.Disposal.Lists(r.Context(), t); err != nil {
		h.failed(w, r, err)
		return
	}
	d.MayPrepare = authz.Allowed(p, authz.Prepare)
	h.render(w, r, code, "disposallists", "Gallringslistor", d)
}

// proposeList freezes the due records the form selects into a new list.
func (h *Handler) proposeList(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	f := proposeForm{Class: strings.TrimSpace(r.PostFormValue("klass")), Rule: strings.TrimSpace(r.PostFormValue("regel")),
		Before: strings.TrimSpace(r.PostFormValue("senast"))}
	if f.Before != "" {
		if _, err := time.Parse(time.DateOnly, f.Before); err != nil {
			h.showLists(w, r, http.StatusUnprocessableEntity, listsData{Form: f, Error: "Ange förfallna senast som ett datum, ÅÅÅÅ-MM-DD, eller lämna fältet tomt för i dag."})
			return
		}
	}
	t, err := h.tenantOf(p)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	l, err := h.cfg.Disposal.Propose(r.Context(), t, p.ID, disposal.Filter{Class: f.Class, Rule: f.Rule, Before: f.Before})
	if l != nil {
		h.logChange(r, authz.Prepare, accesslog.ChangeDisposal, "list:"+l.ID, fmt.Sprintf("föreslagen: %d poster i %d AIP (%s)", l.Items, l.AIPs, l.Filter))
	}
	if l != nil && err != nil {
		// Proposed; the catalog had not shown it yet when the wait ended.
		h.log.Warn("web: after proposing a list", "tenant", t.ID, "list", l.ID, "err", err)
	}
	if l == nil {
		if msg, code, ok := disposalError(err); ok {
			h.showLists(w, r, code, listsData{Form: f, Error: msg})
			return
		}
		h.failed(w, r, err)
		return
	}
	http.Redirect(w, r, listPath(l.ID)+"?klart=foreslagen", http.StatusSeeOther)
}

// listPath is the page of list id.
func listPath(id string) string { return "/gallring/listor/" + url.PathEscape(id) }

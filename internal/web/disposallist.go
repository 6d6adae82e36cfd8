package web

import (
	"bytes"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/authz"
	"github.com/earkiv/earkiv/internal/disposal"
	"github.com/earkiv/earkiv/internal/plans"
	"github.com/earkiv/earkiv/internal/protocol"
	"github.com/earkiv/earkiv/internal/tenant"
)

// listAIP is one AIP of a list, with what it holds on it and its
// exclusion, if any.
type listAIP struct {
	ID, PackageID string
	Items         int
	Excluded      *disposal.Exclusion
}

// progress is how far the executor has come with a list.
type progress struct {
	Handled, Total int
	Skipped        []disposal.Skip
	Error          string
}

// listData is a list's page.
type listData struct {
	List       *disposal.List
	Items      []disposal.Item // at most maxRows
	ItemsTotal int
	AIPs       []listAIP // at most maxRows
	AIPsTotal  int
	Excluded   map[string]bool // the AIPs excluded
	Own        bool            // the viewer proposed the list
	MayPrepare bool
	MayDecide  bool
	MayCancel  bool
	Wait       string // the countdown to the end of the ångerfrist; "" once it has passed
	Progress   progress
	Protocol   *protocol.Protocol
	Verified   *disposal.Verified
	Done       string
	Error      string
	ErrorFor   string // "" for the page, "aip:<id>", "aterforvisa" or "avbryt" for that form
	Reason     string // what the failed form held
	Postpone   string
}

func (h *Handler) listPage(w http.ResponseWriter, r *http.Request) {
	h.showList(w, r, http.StatusOK, listData{Done: listDone(r.URL.Query().Get("klart"))})
}

func listDone(s string) string {
	switch s {
	case "foreslagen":
		return "Listan är föreslagen och fryst: det som står på den ändras inte av senare ändringar i planen. Den gallras först när en arkivansvarig har attesterat den och ångerfristen har gått ut."
	case "undantagen":
		return "Arkivpaketet är undantaget från listan."
	case "attesterad":
		return "Listan är attesterad."
	case "aterforvisad":
		return "Listan är återförvisad med din kommentar. Den som föreslog den kan undanta arkivpaket eller avbryta den."
	case "verkstalls":
		return "Gallringen verkställs nu."
	}
	return ""
}

// loadList reads list id with its progress, or answers the request when
// it cannot.
func (h *Handler) loadList(w http.ResponseWriter, r *http.Request) (*disposal.List, bool) {
	t, err := h.tenantOf(principal(r))
	if err != nil {
		h.failed(w, r, err)
		return nil, false
	}
	l, err := h.cfg.Disposal.Get(r.Context(), t, r.PathValue("id"))
	if errors.Is(err, disposal.ErrNotFound) {
		h.notFound(w, r, "Gallringslistan")
		return nil, false
	}
	if err != nil {
		h.failed(w, r, err)
		return nil, false
	}
	return l, true
}

func (h *Handler) showList(w http.ResponseWriter, r *http.Request, code int, d listData) {
	p := principal(r)
	l, ok := h.loadList(w, r)
	if !ok {
		return
	}
	t, err := h.tenantOf(p)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	fr, err := h.cfg.Disposal.Frozen(r.Context(), t, l)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	d.List = l
	d.ItemsTotal = len(fr.Items)
	d.Items = fr.Items[:min(len(fr.Items), maxRows)]
	byAIP := map[string]int{}
	d.Excluded = map[string]bool{}
	for _, it := range fr.Items {
		i, seen := byAIP[it.AIP]
		if !seen {
			i = len(d.AIPs)
			byAIP[it.AIP] = i
			a := listAIP{ID: it.AIP, PackageID: it.PackageID}
			if x, ok := l.Excluded(it.AIP); ok {
				a.Excluded = &x
				d.Excluded[it.AIP] = true
			}
			d.AIPs = append(d.AIPs, a)
		}
		d.AIPs[i].Items++
	}
	d.AIPsTotal = len(d.AIPs)
	d.AIPs = d.AIPs[:min(len(d.AIPs), maxRows)]
	d.Own = l.Proposer == p.ID
	d.MayPrepare = authz.Allowed(p, authz.Prepare)
	d.MayDecide = authz.Allowed(p, authz.Decide)
	d.MayCancel = authz.Allowed(p, authz.Withdraw)
	if left := l.CoolingLeft(h.now()); left > 0 {
		d.Wait = waitText(left)
	}
	d.Progress = listProgressOf(l)
	if !formShown(d) {
		d.ErrorFor = "" // the form is not on the page: the error goes at the top
	}
	if l.State == disposal.Done && l.Protocol != "" {
		js, err := h.cfg.Disposal.ProtocolFile(r.Context(), t, l, false)
		if err == nil {
			d.Protocol, err = protocol.Decode(js)
		}
		if err != nil {
			// The page still says the list is verkställd; the protocol's
			// facts are missing until it can be read.
			h.log.Error("web: read a list's protocol", "tenant", t.ID, "list", l.ID, "err", err)
		}
	}
	h.render(w, r, code, "disposallist", "Gallringslista "+l.ID, d)
}

// formShown tells whether the form d.ErrorFor names is on the page, to
// show its error by it.
func formShown(d listData) bool {
	switch st := d.List.State; {
	case d.ErrorFor == "":
		return true
	case d.ErrorFor == "aterforvisa":
		return st == disposal.Proposed && d.MayDecide && !d.Own
	case d.ErrorFor == "avbryt":
		return d.MayCancel && (st == disposal.Proposed || st == disposal.Attested)
	case strings.HasPrefix(d.ErrorFor, "aip:"):
		id := strings.TrimPrefix(d.ErrorFor, "aip:")
		return st == disposal.Proposed && d.MayPrepare && !d.Excluded[id] &&
			slices.ContainsFunc(d.AIPs, func(a listAIP) bool { return a.ID == id })
	}
	return false
}

// listProgressOf counts the AIPs the executor has handled: disposed of,
// in whole or part, or skipped at the re-check.
func listProgressOf(l *disposal.List) progress {
	handled := map[string]bool{}
	for _, x := range l.Done {
		handled[x.AIP] = true
	}
	for _, x := range l.Skipped {
		handled[x.AIP] = true
	}
	return progress{Handled: len(handled), Total: l.AIPs - len(l.Exclusions), Skipped: l.Skipped, Error: l.Error}
}

// listProgress is the progress of an execution, for the page to poll
// (htmx): the section's content, or, once the list is no longer
// verkställs, a refresh of the whole page, which then shows the outcome.
func (h *Handler) listProgress(w http.ResponseWriter, r *http.Request) {
	l, ok := h.loadList(w, r)
	if !ok {
		return
	}
	if l.State != disposal.Executing {
		w.Header().Set("HX-Refresh", "true")
	}
	t, ok := h.pages["disposallist"]
	if !ok {
		h.failed(w, r, errors.New("no disposallist page"))
		return
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "progress", page{Data: listData{List: l, Progress: listProgressOf(l)}}); err != nil {
		h.failed(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b.Bytes()) // the client went away: nothing to do
}

// listStep carries out one step of a list's life through the service,
// logs it, and sends the person on to next; a refusal is shown on the
// list page, by the form d.ErrorFor names.
func (h *Handler) listStep(w http.ResponseWriter, r *http.Request, perm authz.Permission, d listData,
	step func(t *tenant.Tenant, by, id string) (*disposal.List, error), detail, next string) {
	p := principal(r)
	id := r.PathValue("id")
	t, err := h.tenantOf(p)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	l, err := step(t, p.ID, id)
	if l != nil {
		h.logChange(r, perm, accesslog.ChangeDisposal, "list:"+l.ID, detail)
	}
	if l != nil && err != nil {
		// The step is made; the catalog had not shown it yet when the wait
		// ended, or the records' new outcome was not announced.
		h.log.Error("web: after a step of a list", "tenant", p.Tenant, "list", id, "step", detail, "err", err)
	}
	if l == nil {
		msg, code, ok := disposalError(err)
		if !ok {
			h.failed(w, r, err)
			return
		}
		if code == http.StatusNotFound {
			h.notFound(w, r, "Gallringslistan")
			return
		}
		d.Error = msg
		h.showList(w, r, code, d)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (h *Handler) excludeAIP(w http.ResponseWriter, r *http.Request) {
	aipID := strings.TrimSpace(r.PostFormValue("aip"))
	reason := strings.TrimSpace(r.PostFormValue("skal"))
	postpone := strings.TrimSpace(r.PostFormValue("uppskjuten"))
	d := listData{ErrorFor: "aip:" + aipID, Reason: reason, Postpone: postpone}
	problem := reasonProblem(reason, "varför arkivpaketet undantas")
	if problem == "" && postpone != "" {
		if _, err := time.Parse(time.DateOnly, postpone); err != nil {
			problem = "Ange datumet som gallringen skjuts upp till som ÅÅÅÅ-MM-DD, eller lämna det tomt om paketet ska bevaras."
		} else if postpone <= plans.Day(h.now()) {
			problem = "Ange ett datum efter i dag som gallringen skjuts upp till."
		}
	}
	if problem != "" {
		d.Error = problem
		h.showList(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	detail := "undantag av AIP " + aipID + ", bevaras"
	if postpone != "" {
		detail = "undantag av AIP " + aipID + ", uppskjuten till " + postpone
	}
	h.listStep(w, r, authz.Prepare, d, func(t *tenant.Tenant, by, id string) (*disposal.List, error) {
		return h.cfg.Disposal.Exclude(r.Context(), t, id, aipID, by, reason, postpone)
	}, detail, listPath(r.PathValue("id"))+"?klart=undantagen")
}

func (h *Handler) attestList(w http.ResponseWriter, r *http.Request) {
	h.listStep(w, r, authz.Decide, listData{}, func(t *tenant.Tenant, by, id string) (*disposal.List, error) {
		return h.cfg.Disposal.Attest(r.Context(), t, id, by)
	}, "attesterad", listPath(r.PathValue("id"))+"?klart=attesterad")
}

func (h *Handler) rejectList(w http.ResponseWriter, r *http.Request) {
	comment := strings.TrimSpace(r.PostFormValue("kommentar"))
	d := listData{ErrorFor: "aterforvisa", Reason: comment}
	if problem := reasonProblem(comment, "varför listan återförvisas"); problem != "" {
		d.Error = strings.Replace(problem, "Skälet", "Kommentaren", 1)
		h.showList(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	h.listStep(w, r, authz.Decide, d, func(t *tenant.Tenant, by, id string) (*disposal.List, error) {
		return h.cfg.Disposal.Reject(r.Context(), t, id, by, comment)
	}, "återförvisad: "+comment, listPath(r.PathValue("id"))+"?klart=aterforvisad")
}

func (h *Handler) cancelList(w http.ResponseWriter, r *http.Request) {
	reason := strings.TrimSpace(r.PostFormValue("skal"))
	d := listData{ErrorFor: "avbryt", Reason: reason}
	if problem := reasonProblem(reason, "varför listan avbryts"); problem != "" {
		d.Error = problem
		h.showList(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	h.listStep(w, r, authz.Withdraw, d, func(t *tenant.Tenant, by, id string) (*disposal.List, error) {
		return h.cfg.Disposal.Cancel(r.Context(), t, id, by, reason)
	}, "avbruten: "+reason, "/gallring/listor?klart=avbruten")
}

// executeList starts the execution of an attested list whose ångerfrist
// has passed and wakes the executor, which carries it out.
func (h *Handler) executeList(w http.ResponseWriter, r *http.Request) {
	h.listStep(w, r, authz.Decide, listData{}, func(t *tenant.Tenant, by, id string) (*disposal.List, error) {
		l, err := h.cfg.Disposal.Start(r.Context(), t, id, by)
		if l != nil && h.cfg.Kick != nil {
			h.cfg.Kick()
		}
		return l, err
	}, "verkställning startad", listPath(r.PathValue("id"))+"?klart=verkstalls")
}
